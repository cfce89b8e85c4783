"""The usage ingestion use case: aggregation, what does not count, idempotence, partial failure."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ca_emulator.reads import read_event
from ca_lifecycle.app.usage import UsageIngest, day_of, own_role_globs
from ca_lifecycle.facts import PackageRef
from ca_lifecycle.ledger import LocalLedger
from ca_lifecycle.policy import parse_policy

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
WIDGETS = PackageRef("acme", "release", "npm", "acme", "widgets", "111122223333")
POLICY = parse_policy(
    {
        "version": 1,
        "policies": [{"id": "p", "scope": {"domain": "acme"}, "archive": [{"not_downloaded_for": "180d"}]}],
        "usage": {
            "ignore_principals": ["arn:aws:sts::*:assumed-role/scanner/*"],
            "ignore_user_agents": ["Trivy*"],
        },
    }
)


class CountingLedger(LocalLedger):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.usage_calls: list[dict[str, datetime]] = []
        self.fail_on: set[str] = set()

    def record_usage(self, package: PackageRef, downloads: Mapping[str, datetime], day: datetime) -> None:
        if package.name in self.fail_on:
            raise RuntimeError("throttled")
        self.usage_calls.append(dict(downloads))
        super().record_usage(package, downloads, day)


def _read(version: str | None, at: datetime, *, name: str = "widgets", **extra: Any) -> dict[str, Any]:
    return read_event(
        account="111122223333",
        region="us-east-1",
        domain=extra.pop("domain", "acme"),
        repository="release",
        fmt="npm",
        namespace="acme",
        name=name,
        version=version,
        time=at,
        **extra,
    )


def _records(events: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    return [(f"m{i}", json.dumps(e)) for i, e in enumerate(events)]


@pytest.fixture
def ledger(tmp_path: Path) -> CountingLedger:
    return CountingLedger(tmp_path / "ledger.json")


def test_reads_are_aggregated_per_version_and_day(ledger: CountingLedger) -> None:
    # Given 300 reads of 3 versions over 2 days, in random order
    events = [
        _read(v, T0 + timedelta(hours=h))
        for v in ("1.0.0", "1.1.0", "2.0.0")
        for h in range(0, 40, 2)
        for _ in range(5)
    ]
    random.Random(4).shuffle(events)
    report = UsageIngest(ledger, POLICY).ingest(_records(events))
    # Then one write per package, one value per version, at most the distinct (version, day) pairs
    assert report.downloads == 300
    assert report.pairs == 3
    assert report.version_writes == 3 <= report.pairs
    assert len(ledger.usage_calls) == 1
    versions = ledger.load_package(WIDGETS).versions
    assert {v: r.last_downloaded for v, r in versions.items()} == dict.fromkeys(
        ("1.0.0", "1.1.0", "2.0.0"), day_of(T0 + timedelta(hours=38))
    )


def test_a_second_batch_of_the_same_day_writes_nothing(ledger: CountingLedger) -> None:
    ingest = UsageIngest(ledger, POLICY)
    ingest.ingest(_records([_read("1.0.0", T0)]))
    again = ingest.ingest(
        _records([_read("1.0.0", T0 + timedelta(hours=3)), _read("1.0.0", T0 - timedelta(days=3))])
    )
    assert again.version_writes == 0
    assert len(ledger.usage_calls) == 1


def test_duplicated_and_reordered_events_change_nothing(tmp_path: Path) -> None:
    events = [_read("1.0.0", T0 + timedelta(days=d)) for d in range(5)] + [_read("2.0.0", T0)]
    first, second = LocalLedger(tmp_path / "a.json"), LocalLedger(tmp_path / "b.json")
    UsageIngest(first, POLICY).ingest(_records(events))
    shuffled = events * 3
    random.Random(1).shuffle(shuffled)
    ingest = UsageIngest(second, POLICY)
    for start in range(0, len(shuffled), 4):  # many small batches, each in a new order
        ingest.ingest(_records(shuffled[start : start + 4]))
    assert first.load_package(WIDGETS) == second.load_package(WIDGETS)
    assert first.usage_stream("111122223333", "acme") == second.usage_stream("111122223333", "acme")


def test_what_does_not_count(ledger: CountingLedger) -> None:
    events = [
        _read(None, T0),  # packument
        _read("1.0.0", T0, principal_arn="arn:aws:sts::111122223333:assumed-role/scanner/s1"),
        _read("1.0.0", T0, user_agent="Trivy/0.50.1"),
        _read("1.0.0", T0, principal_arn="arn:aws:sts::111122223333:assumed-role/lifecycle-worker/x"),
        _read("1.0.0", T0, domain="other"),
    ]
    report = UsageIngest(ledger, POLICY, own_principals=own_role_globs(["lifecycle-worker"])).ingest(
        _records(events)
    )
    assert (report.metadata, report.ignored, report.out_of_scope, report.downloads) == (1, 3, 1, 0)
    assert ledger.usage_calls == []
    # The feed is alive all the same: the stream advances
    assert ledger.usage_stream("111122223333", "acme").last_ingested == T0


def test_a_malformed_event_fails_alone(ledger: CountingLedger) -> None:
    bad = _read("1.0.0", T0)
    del bad["detail"]["eventTime"]
    records = [("good", json.dumps(_read("1.0.0", T0))), ("bad", json.dumps(bad)), ("junk", "{not json")]
    report = UsageIngest(ledger, POLICY).ingest(records)
    assert report.failed == ["bad", "junk"]
    assert report.malformed == 2
    assert ledger.load_package(WIDGETS).versions["1.0.0"].last_downloaded == day_of(T0)


def test_a_ledger_failure_retries_only_that_packages_messages(ledger: CountingLedger) -> None:
    ledger.fail_on = {"gadgets"}
    records = [("w", json.dumps(_read("1.0.0", T0))), ("g", json.dumps(_read("1.0.0", T0, name="gadgets")))]
    ingest = UsageIngest(ledger, POLICY)
    assert ingest.ingest(records).failed == ["g"]
    # And the retry writes what failed
    ledger.fail_on = set()
    retry = ingest.ingest([records[1]])
    assert (retry.failed, retry.version_writes) == ([], 1)
