"""Two processes on one ledger file lose nothing (issue 17, finding 3: two `apply` runs sharing
--ledger lost 20-35 % of their archive records to whole-file read-modify-write races)."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ca_lifecycle.facts import PackageRef
from ca_lifecycle.ledger import LocalLedger, VersionRecord

pytestmark = pytest.mark.integration

NOW = datetime(2026, 1, 1, tzinfo=UTC)
PKG = PackageRef("acme", "release", "npm", "acme", "shared")
PER_PROCESS = 120


def _writer(path: str, tag: str, start: multiprocessing.synchronize.Event) -> None:
    ledger = LocalLedger(path)
    start.wait()
    for i in range(PER_PROCESS):
        # One read-modify-write per version, as the write loop saves after each chunk.
        record = VersionRecord(revision=f"R{i}", archived_at=NOW + timedelta(seconds=i), archived_by_us=True)
        ledger.record_versions(PKG, {f"{tag}.{i}": record})
        if i % 10 == 0:
            ledger.record_evaluation(PKG, NOW, i)


def test_two_processes_writing_one_ledger_file_lose_no_record(tmp_path: Path) -> None:
    path = tmp_path / "ledger.json"
    context = multiprocessing.get_context("fork")
    start = context.Event()
    workers = [context.Process(target=_writer, args=(str(path), tag, start)) for tag in ("a", "b")]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    versions = LocalLedger(path).load_package(PKG).versions
    assert len(versions) == 2 * PER_PROCESS
    assert all(versions[f"{tag}.{i}"].archived_by_us for tag in ("a", "b") for i in range(PER_PROCESS))
    assert LocalLedger(path).last_sequence(PKG) == 110
