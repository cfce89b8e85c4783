"""The real pipeline, offline: emulator → moto EventBridge rule → moto SQS (+DLQ) → worker handler.

``pipeline`` wires the handlers to real edges (CodeArtifactGateway on the emulator, DynamoDB
ledger and SQS queue in moto, the real ``process_package``) through ``set_dependencies``.
``Pipeline.drain()`` plays Lambda's SQS event source mapping: receive up to 10 messages, call
the worker with them as an SQS event, delete those not listed in ``batchItemFailures``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from ca_emulator import Emulator
from moto import mock_aws
from pipeline_rig import Pipeline, build_pipeline


@pytest.fixture
def pipeline(emulator: Emulator, tmp_path: Path) -> Iterator[Pipeline]:
    with mock_aws():
        rig = build_pipeline(emulator, tmp_path)
        try:
            yield rig
        finally:
            rig.close()


@pytest.fixture
def now() -> datetime:
    from pipeline_rig import NOW

    return NOW
