"""The ``world`` fixture: handlers wired to fakes through ``set_dependencies``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ca_lifecycle.app.dependencies import Dependencies
from ca_lifecycle.handlers import set_dependencies
from ca_lifecycle.ledger import LocalLedger
from ca_lifecycle.policy import parse_policy
from handler_fakes import NOW, POLICY, FakeGateway, FakeQueue, FakeService, World


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    gateway, queue, service = FakeGateway(), FakeQueue(), FakeService()
    ledger = LocalLedger(tmp_path / "ledger.json")
    deps = Dependencies(
        document=parse_policy(POLICY),
        gateway=gateway,  # type: ignore[arg-type]
        ledger=ledger,
        queue=queue,
        process_package=service,
        clock=lambda: NOW,
    )
    set_dependencies(deps)
    yield World(gateway, queue, service, ledger, deps)
    set_dependencies(None)
