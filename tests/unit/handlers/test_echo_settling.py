"""Echo events (our own archives coming back) settle with one ledger read per package of a
batch, not one per event; anything with news is still evaluated. Counted in ledger calls."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from ca_lifecycle.facts import PackageRef
from ca_lifecycle.handlers import worker
from ca_lifecycle.ledger import VersionRecord
from handler_fakes import EVENTS, NOW, LambdaContext, World, failed_ids, sqs_event

WIDGETS = PackageRef("acme", "release", "npm", "acme", "widgets", "111122223333")
OURS = VersionRecord(revision="REV-A", archived_at=NOW, archived_by_us=True)


def _echo(version: str, state: str = "Archived", revision: str = "REV-A") -> dict[str, Any]:
    body: dict[str, Any] = json.loads((Path(EVENTS) / "archive.json").read_text(encoding="utf-8"))
    body["detail"].update(
        packageVersion=version,
        packageVersionState=state,
        packageVersionRevision=revision,
        eventDeduplicationId=f"echo-{version}-{state}-{revision}",
    )
    return body


@pytest.fixture
def reads(world: World, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    counts: Counter[str] = Counter()
    for name in ("load_version", "load_package"):
        real = getattr(world.ledger, name)

        def counting(*args: Any, _real: Any = real, _name: str = name) -> Any:
            counts[_name] += 1
            return _real(*args)

        monkeypatch.setattr(world.ledger, name, counting)
    return counts


def _run(*bodies: dict[str, Any]) -> dict[str, Any]:
    return dict(worker.handler(sqs_event(*bodies), LambdaContext()))


def test_ten_echoes_of_one_package_cost_one_ledger_read(world: World, reads: Counter[str]) -> None:
    # Given the ledger records ten versions as archived by us
    versions = [f"1.{i}.0" for i in range(10)]
    world.ledger.record_versions(WIDGETS, dict.fromkeys(versions, OURS))
    # When the ten echoes of that archive write arrive in one batch
    response = _run(*(_echo(v) for v in versions))
    # Then they settle without evaluation, on one read of the package's records
    assert failed_ids(response) == []
    assert world.service.calls == []
    assert reads == Counter({"load_package": 1})
    assert all(world.ledger.event_claimed(f"echo-{v}-Archived-REV-A", NOW) for v in versions)


def test_a_single_echo_reads_only_its_version(world: World, reads: Counter[str]) -> None:
    world.ledger.record_versions(WIDGETS, {"1.0.0": OURS})
    _run(_echo("1.0.0"))
    assert world.service.calls == []
    assert reads == Counter({"load_version": 1})


def test_an_event_with_news_among_echoes_is_evaluated_without_reading_version_records(
    world: World, reads: Counter[str]
) -> None:
    # Given known archives, and a restore arriving among their echoes
    world.ledger.record_versions(WIDGETS, {"1.0.0": OURS, "1.1.0": OURS})
    _run(_echo("1.0.0"), _echo("1.1.0", "Published"))
    # Then the package is evaluated, and no record was read to decide that
    assert len(world.service.calls) == 1
    assert reads == Counter()


def test_one_unknown_version_among_echoes_still_evaluates(world: World, reads: Counter[str]) -> None:
    # Given two known archives and a third the ledger never saw archived
    world.ledger.record_versions(WIDGETS, {"1.0.0": OURS, "1.1.0": OURS})
    _run(_echo("1.0.0"), _echo("1.1.0"), _echo("1.2.0"))
    # Then the group is evaluated: a settle needs every event known (at-least-once kept)
    assert len(world.service.calls) == 1
    assert reads["load_package"] == 1
