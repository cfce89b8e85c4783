"""``ca-lifecycle usage PACKAGE``: the ledger's download history, as text and JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ca_lifecycle.facts import PackageRef
from ca_lifecycle.ledger import LocalLedger
from ca_lifecycle_cli.main import main

DAY = datetime(2026, 3, 1, tzinfo=UTC)
WIDGETS = PackageRef("acme", "release", "npm", "acme", "widgets", "111122223333")


def test_history_lists_versions_newest_download_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = LocalLedger(tmp_path / "ledger.json")
    ledger.record_usage(WIDGETS, {"1.0.0": DAY, "2.0.0": DAY + timedelta(days=2)}, DAY + timedelta(days=2))
    ledger.record_ingestion("111122223333", "acme", DAY)
    args = ["usage", "acme/release/npm/acme/widgets", "--owner", "111122223333", "--ledger", str(ledger.path)]
    assert main([*args, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["versions"] == [
        {"version": "2.0.0", "last_downloaded": "2026-03-03T00:00:00Z"},
        {"version": "1.0.0", "last_downloaded": "2026-03-01T00:00:00Z"},
    ]
    assert (document["tracked_since"], document["last_ingested"]) == ("2026-03-03T00:00:00Z",) * 2
    assert document["domain_stream"] == {
        "tracked_since": "2026-03-01T00:00:00Z",
        "last_ingested": "2026-03-01T00:00:00Z",
    }
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "2.0.0" in text
    assert "last downloaded 2026-03-03" in text


def test_a_missing_ledger_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["usage", "acme/release/npm/acme/widgets", "--ledger", str(tmp_path / "nope.json")]) == 2
    assert "does not exist" in capsys.readouterr().err
