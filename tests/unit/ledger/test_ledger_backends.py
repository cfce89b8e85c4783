"""One behavioural suite for both ledger backends: DynamoDB (moto) and the local JSON file."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from ca_lifecycle.facts import PackageRef
from ca_lifecycle.ledger import (
    DynamoDBLedger,
    Ledger,
    LocalLedger,
    PackageRecord,
    VersionRecord,
    normalized_name,
    package_key,
)
from ca_lifecycle.ledger.local import LedgerFileError
from moto import mock_aws

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
WIDGETS = PackageRef("acme", "release", "npm", "acme", "widgets", "111122223333")
TABLE = "ledger-test"


def create_table(name: str = TABLE) -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


@pytest.fixture(params=["dynamodb", "local"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    if request.param == "local":
        yield LocalLedger(tmp_path / "ledger.json")
        return
    with mock_aws():
        create_table()
        yield DynamoDBLedger(TABLE)


# ------------------------------------------------------------------------------ packages


def test_unknown_package_loads_as_an_empty_record(ledger: Ledger) -> None:
    assert ledger.load_package(WIDGETS) == PackageRecord(versions={}, last_sequence=None, last_evaluated=None)
    assert ledger.last_sequence(WIDGETS) is None


def test_recorded_versions_round_trip_with_utc_times(ledger: Ledger) -> None:
    # Given two versions, one archived by us, times given in a non-UTC zone
    plus2 = datetime(2025, 1, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    updates = {
        "1.0.0": VersionRecord(revision="REV1", published=plus2),
        "0.9.0": VersionRecord(revision="REV0", archived_at=NOW, archived_by_us=True),
    }
    # When they are recorded
    ledger.record_versions(WIDGETS, updates)
    # Then they load back equal, in UTC
    loaded = ledger.load_package(WIDGETS).versions
    assert loaded == updates
    published = loaded["1.0.0"].published
    assert published is not None
    assert published.utcoffset() == timedelta(0)


def test_one_version_loads_alone_as_recorded(ledger: Ledger) -> None:
    # Given two recorded versions
    archived = VersionRecord(revision="R1", archived_at=NOW, archived_by_us=True)
    ledger.record_versions(WIDGETS, {"1.0.0": archived, "1.1.0": VersionRecord(revision="R2")})
    # Then each reads back alone, and an unknown version or package reads as None
    assert ledger.load_version(WIDGETS, "1.0.0") == archived
    assert ledger.load_version(WIDGETS, "1.1.0") == VersionRecord(revision="R2")
    assert ledger.load_version(WIDGETS, "9.9.9") is None
    other = PackageRef("acme", "release", "npm", "acme", "gadgets", "111122223333")
    assert ledger.load_version(other, "1.0.0") is None


def test_record_versions_replaces_a_version_so_fields_can_be_cleared(ledger: Ledger) -> None:
    # Given an archived version
    ledger.record_versions(
        WIDGETS, {"1.0.0": VersionRecord(revision="R", archived_at=NOW, archived_by_us=True)}
    )
    # When it is restored and recorded again without an archive time
    ledger.record_versions(WIDGETS, {"1.0.0": VersionRecord(revision="R", published=NOW)})
    # Then the old archive time is gone, other versions untouched
    ledger.record_versions(WIDGETS, {"2.0.0": VersionRecord(revision="S")})
    versions = ledger.load_package(WIDGETS).versions
    assert versions["1.0.0"] == VersionRecord(revision="R", published=NOW)
    assert versions["2.0.0"] == VersionRecord(revision="S")


def test_many_versions_load_completely(ledger: Ledger) -> None:
    # Given more versions than one BatchWriteItem (25) and enough to page a query
    updates = {
        f"1.0.{i}": VersionRecord(revision=f"R{i}", published=NOW - timedelta(days=i)) for i in range(260)
    }
    ledger.record_versions(WIDGETS, updates)
    # Then every one loads back
    assert ledger.load_package(WIDGETS).versions == updates


def test_packages_are_kept_apart_by_owner_repository_and_namespace(ledger: Ledger) -> None:
    others = [
        PackageRef("acme", "release", "npm", "acme", "widgets", "444455556666"),
        PackageRef("acme", "release", "npm", "acme", "widgets", None),
        PackageRef("acme", "ci", "npm", "acme", "widgets", "111122223333"),
        PackageRef("acme", "release", "npm", None, "widgets", "111122223333"),
    ]
    ledger.record_versions(WIDGETS, {"1.0.0": VersionRecord(revision="mine")})
    for other in others:
        assert ledger.load_package(other).versions == {}


def test_names_are_normalized_in_keys(ledger: Ledger) -> None:
    # Given a pypi package recorded under its display spelling
    display = PackageRef("acme", "release", "pypi", None, "My_Cool.Package", "111122223333")
    ledger.record_versions(display, {"1.0": VersionRecord(revision="R")})
    # Then CodeArtifact's normalized spelling finds it
    normalized = PackageRef("acme", "release", "pypi", None, "my-cool-package", "111122223333")
    assert ledger.load_package(normalized).versions == {"1.0": VersionRecord(revision="R")}


def test_record_evaluation_keeps_the_highest_sequence(ledger: Ledger) -> None:
    later = NOW + timedelta(minutes=5)
    ledger.record_evaluation(WIDGETS, NOW, 7)
    ledger.record_evaluation(WIDGETS, later, 6)  # out of order: must not lower it
    record = ledger.load_package(WIDGETS)
    assert record.last_sequence == 7
    assert record.last_evaluated == later
    ledger.record_evaluation(WIDGETS, later, None)  # a sweep evaluation carries no sequence
    ledger.record_evaluation(WIDGETS, later, 12)
    assert ledger.last_sequence(WIDGETS) == 12


def test_evaluation_does_not_touch_versions(ledger: Ledger) -> None:
    ledger.record_versions(WIDGETS, {"1.0.0": VersionRecord(revision="R")})
    ledger.record_evaluation(WIDGETS, NOW, 3)
    record = ledger.load_package(WIDGETS)
    assert record.versions == {"1.0.0": VersionRecord(revision="R")}
    assert record.last_sequence == 3


def test_naive_times_are_refused(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        ledger.record_evaluation(WIDGETS, datetime(2025, 1, 1), None)


# ------------------------------------------------------------------------------ events


def test_an_event_can_be_claimed_once(ledger: Ledger) -> None:
    assert ledger.event_claimed("dedupe-1", NOW) is False
    assert ledger.claim_event("dedupe-1", NOW) is True
    assert ledger.claim_event("dedupe-1", NOW + timedelta(hours=1)) is False
    assert ledger.event_claimed("dedupe-1", NOW) is True
    assert ledger.event_claimed("dedupe-2", NOW) is False


def test_an_expired_claim_counts_as_absent(ledger: Ledger) -> None:
    # Given a claim with a one-hour lifetime (TTL deletion may not have happened yet)
    assert ledger.claim_event("dedupe-1", NOW, ttl=timedelta(hours=1))
    # When it has expired
    later = NOW + timedelta(hours=1, seconds=1)
    # Then it is neither seen nor blocking a new claim
    assert ledger.event_claimed("dedupe-1", later) is False
    assert ledger.claim_event("dedupe-1", later) is True


def test_concurrent_claims_on_the_local_file_have_exactly_one_winner(tmp_path: Path) -> None:
    # The file ledger's own lock decides; for DynamoDB the service's conditional put does
    # (moto's is not atomic across threads, so racing it would test moto: see the next test).
    ledger = LocalLedger(tmp_path / "ledger.json")
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def claim() -> None:
        barrier.wait()
        results.append(ledger.claim_event("contended", NOW))

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]


def test_a_dynamodb_claim_is_one_conditional_put() -> None:
    # DynamoDB makes a conditional put atomic: two workers claiming one event race on it alone.
    calls: list[dict[str, object]] = []

    class _Table:
        def put_item(self, **kwargs: object) -> None:
            calls.append(kwargs)

    ledger = DynamoDBLedger(TABLE, table=_Table())  # type: ignore[arg-type]
    assert ledger.claim_event("contended", NOW) is True
    (call,) = calls
    assert call["ConditionExpression"] == "attribute_not_exists(pk) OR expires_at <= :now"
    assert call["Item"]["pk"] == "EVENT#contended"  # type: ignore[index]


# ------------------------------------------------------------------------------ backend specifics


def test_keys_follow_the_documented_layout() -> None:
    assert package_key(WIDGETS) == "PKG#111122223333#acme#release#npm#acme#widgets"
    assert package_key(PackageRef("acme", "r", "pypi", None, "Foo.Bar", None)) == "PKG#-#acme#r#pypi##foo-bar"


@pytest.mark.parametrize(
    ("package_format", "name", "expected"),
    [
        ("pypi", "Django_REST.framework", "django-rest-framework"),
        ("pypi", "already-normal", "already-normal"),
        ("nuget", "Newtonsoft.Json", "newtonsoft.json"),
        ("npm", "MixedCase", "MixedCase"),
        ("maven", "Guava", "Guava"),
    ],
)
def test_normalized_names(package_format: str, name: str, expected: str) -> None:
    assert normalized_name(package_format, name) == expected


def test_dynamodb_items_use_the_documented_keys_and_ttl() -> None:
    with mock_aws():
        create_table()
        ledger = DynamoDBLedger(TABLE)
        ledger.record_versions(WIDGETS, {"1.0.0": VersionRecord(revision="R", archived_at=NOW)})
        ledger.record_evaluation(WIDGETS, NOW, 4)
        ledger.claim_event("abc=", NOW)
        items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName=TABLE)["Items"]
    keys = {(i["pk"]["S"], i["sk"]["S"]) for i in items}
    pk = "PKG#111122223333#acme#release#npm#acme#widgets"
    assert keys == {(pk, "VER#1.0.0"), (pk, "META"), ("EVENT#abc=", "EVENT")}
    event = next(i for i in items if i["sk"]["S"] == "EVENT")
    assert int(event["expires_at"]["N"]) == int((NOW + timedelta(days=2)).timestamp())


def test_local_file_is_readable_json_written_atomically(tmp_path: Path) -> None:
    path = tmp_path / "ledger.json"
    ledger = LocalLedger(path)
    ledger.record_versions(WIDGETS, {"1.0.0": VersionRecord(revision="R", archived_at=NOW)})
    data = json.loads(path.read_text())
    entry = data["packages"]["PKG#111122223333#acme#release#npm#acme#widgets"]
    assert entry["versions"]["1.0.0"] == {
        "revision": "R",
        "archived_at": "2025-06-01T12:00:00Z",
        "archived_by_us": False,
    }
    assert path.read_text().startswith("{\n  ")  # indented for people
    # no temp file left behind; the lock file beside it is what serialises processes
    assert sorted(os.listdir(path.parent)) == ["ledger.json", "ledger.json.lock"]


def test_local_failed_write_keeps_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ledger.json"
    ledger = LocalLedger(path)
    ledger.record_versions(WIDGETS, {"1.0.0": VersionRecord(revision="old")})
    before = path.read_text()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        ledger.record_versions(WIDGETS, {"1.0.0": VersionRecord(revision="new")})
    assert path.read_text() == before
    assert sorted(os.listdir(tmp_path)) == ["ledger.json", "ledger.json.lock"]


def test_local_second_instance_sees_the_first_ones_writes(tmp_path: Path) -> None:
    LocalLedger(tmp_path / "l.json").claim_event("e1", NOW)
    assert LocalLedger(tmp_path / "l.json").claim_event("e1", NOW) is False


@pytest.mark.parametrize("content", ["not json", '{"format": 99}', "[]"])
def test_local_unreadable_file_is_an_error_naming_it(tmp_path: Path, content: str) -> None:
    path = tmp_path / "ledger.json"
    path.write_text(content)
    with pytest.raises(LedgerFileError, match=r"ledger\.json"):
        LocalLedger(path).load_package(WIDGETS)


def test_dynamodb_table_is_created_lazily() -> None:
    # Constructing the ledger touches no AWS client (moto need not be active yet).
    ledger = DynamoDBLedger("never-used")
    assert ledger.table_name == "never-used"
    with mock_aws():
        create_table("later")
        assert DynamoDBLedger("later").last_sequence(WIDGETS) is None


def test_local_a_lock_held_elsewhere_fails_after_the_timeout_with_one_line(tmp_path: Path) -> None:
    import fcntl

    from ca_lifecycle.ledger.local import LedgerLockedError

    # Given another process (here: another open file description) holding the ledger's lock
    path = tmp_path / "ledger.json"
    holder = os.open(path.with_name("ledger.json.lock"), os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    waits: list[float] = []
    ledger = LocalLedger(path, lock_timeout=1.0, sleep=waits.append)
    try:
        # When this one needs it
        with pytest.raises(LedgerLockedError, match="another process has held its lock for 1 s"):
            ledger.load_package(WIDGETS)
    finally:
        os.close(holder)
    # Then it waited the bounded time in small steps, and works once the lock is free
    assert len(waits) == 20
    assert ledger.load_package(WIDGETS).versions == {}


def test_local_a_new_file_is_announced_once(tmp_path: Path) -> None:
    created: list[Path] = []
    ledger = LocalLedger(tmp_path / "ledger.json", on_create=created.append)
    ledger.load_package(WIDGETS)  # a read creates nothing
    assert created == []
    ledger.record_evaluation(WIDGETS, NOW, 1)
    ledger.record_evaluation(WIDGETS, NOW, 2)
    assert created == [tmp_path / "ledger.json"]


def test_intents_and_holds_round_trip(ledger: Ledger) -> None:
    from ca_lifecycle.facts import Action, Status
    from ca_lifecycle.ledger import Intent

    intent = Intent("i1", Action.ARCHIVE, Status.PUBLISHED, {"1.0.0": "R1", "1.1.0": "R2"}, NOW)
    ledger.record_intent(WIDGETS, intent)
    assert ledger.load_package(WIDGETS).intents == {"i1": intent}
    held = VersionRecord(revision="R1", hold_reason="audit", held_until=NOW + timedelta(days=1))
    ledger.record_versions(WIDGETS, {"1.0.0": held})
    assert [(h.version, h.record) for h in ledger.holds()] == [("1.0.0", held)]
    ledger.clear_intent(WIDGETS, "i1")
    assert ledger.load_package(WIDGETS).intents == {}
    assert ledger.package_summary(WIDGETS) == (None, None)


def test_notice_fields_round_trip(ledger: Ledger) -> None:
    record = VersionRecord(
        revision="R", archived_at=NOW, archived_by_us=True, noticed_at=NOW, notice_id="digest-acme-1"
    )
    ledger.record_versions(WIDGETS, {"1.0.0": record})
    assert ledger.load_package(WIDGETS).versions["1.0.0"] == record
    assert ledger.load_version(WIDGETS, "1.0.0") == record


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [("noticed_at", "yesterday", "not an ISO-8601 time"), ("notice_id", 7, "expected a string")],
)
def test_local_file_with_a_bad_notice_field_is_refused_naming_it(
    tmp_path: Path, field: str, value: object, problem: str
) -> None:
    path = tmp_path / "ledger.json"
    LocalLedger(path).record_versions(WIDGETS, {"1.0.0": VersionRecord(revision="R", noticed_at=NOW)})
    data = json.loads(path.read_text())
    (entry,) = data["packages"].values()
    entry["versions"]["1.0.0"][field] = value
    path.write_text(json.dumps(data))
    with pytest.raises(LedgerFileError, match=rf"versions\['1.0.0'\]\.{field}: {problem}"):
        LocalLedger(path).load_package(WIDGETS)


# ------------------------------------------------------------------------------ runs and digests


def _run(run_id: str, at: datetime, versions: int) -> Any:
    from ca_lifecycle.ledger.runs import RunRecord, RunVersion

    return RunRecord(
        run_id=run_id,
        trigger="worker",
        at=at,
        policy_digest="sha256:abc",
        mode="enforce",
        versions=tuple(
            RunVersion(
                "acme", "release", "npm", "acme", "widgets", f"1.0.{i}", "archive", "archive[0]", "done", i
            )
            for i in range(versions)
        ),
        domain_bytes={"acme": (1000, 400)},
    )


def test_runs_round_trip_across_parts_and_days(ledger: Ledger) -> None:
    from ca_lifecycle.ledger.runs import RUN_PART_SIZE, RunLog

    assert isinstance(ledger, RunLog)
    # Given a run larger than one stored part, and a run on the next day
    big = _run("big", NOW, RUN_PART_SIZE + 7)
    small = _run("small", NOW + timedelta(days=1), 2)
    ledger.record_run(big)
    ledger.record_run(small)
    # Then both come back whole, in time order, and a window selects by time
    assert ledger.runs(NOW - timedelta(days=1), NOW + timedelta(days=2)) == [big, small]
    assert ledger.runs(NOW + timedelta(hours=1), NOW + timedelta(days=2)) == [small]
    assert big.counts() == {"archive": {"done": RUN_PART_SIZE + 7}}


def test_last_notice_is_the_latest_of_its_domain(ledger: Ledger) -> None:
    from ca_lifecycle.ledger.runs import NoticeRecord, RunLog

    assert isinstance(ledger, RunLog)
    assert ledger.last_notice("acme", "111122223333") is None
    first = NoticeRecord("d1", "acme", "111122223333", NOW, "m1", 3)
    second = NoticeRecord("d2", "acme", "111122223333", NOW + timedelta(days=1), "m2", 0)
    other = NoticeRecord("d3", "beta", "111122223333", NOW + timedelta(days=2), "m3", 1)
    for notice in (first, second, other):
        ledger.record_notice(notice)
    assert ledger.last_notice("acme", "111122223333") == second
