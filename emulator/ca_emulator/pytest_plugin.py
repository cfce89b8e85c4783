"""Pytest fixtures: ``emulator`` (a started, empty Emulator) and ``codeartifact`` (a boto3 client on it).

Register with ``pytest_plugins = ["ca_emulator.pytest_plugin"]`` in a conftest.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ca_emulator.server import Emulator


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """A started emulator on a free loopback port; its endpoint is in AWS_ENDPOINT_URL_CODEARTIFACT."""
    emu = Emulator()
    endpoint = emu.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_CODEARTIFACT", endpoint)
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def codeartifact(emulator: Emulator) -> Any:
    """A boto3 CodeArtifact client bound to ``emulator``, with retries off so tests see every error."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "codeartifact",
        endpoint_url=emulator.endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - a dummy; the emulator ignores it
        # total_max_attempts counts the first attempt; botocore's max_attempts=1 would still retry once.
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )
