"""``process_package`` against the CodeArtifact emulator with the local-file ledger.

The call counts come from the emulator's own request statistics: they are what a real
account's CloudTrail would show, not what our code believes it did.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ca_emulator import Emulator
from ca_lifecycle.app.package import PackageResult, process_package
from ca_lifecycle.facts import Action, OriginConfig, PackageRef, Restriction, Status
from ca_lifecycle.gateway import (
    AccessDenied,
    CodeArtifactGateway,
    GatewayError,
    NotFound,
    Throttled,
    WriteResult,
)
from ca_lifecycle.ledger import LocalLedger
from ca_lifecycle.policy import PolicyDocument, parse_policy
from mortal import Killed, MortalLedger

pytestmark = pytest.mark.integration

NOW = datetime(2026, 6, 1, tzinfo=UTC)
DOMAIN, REPO = "acme", "release"
BIG = PackageRef(DOMAIN, REPO, "npm", "acme", "big")
SMALL = PackageRef(DOMAIN, REPO, "npm", "acme", "small")
MUTATING = ("UpdatePackageVersionsStatus", "DisposePackageVersions", "PutPackageOriginConfiguration")


def _policy(mode: str = "enforce", origin_lock: Any = "auto", fraction: float = 1.0) -> PolicyDocument:
    return parse_policy(
        {
            "version": 1,
            "mode": mode,
            "policies": [
                {
                    "id": "npm-libraries",
                    "scope": {"domain": DOMAIN, "packages": ["/npm/acme/*"]},
                    "protect": [{"newest": 5}],
                    "archive": [{"published_before": "180d"}],
                    "dispose": {"archived_for": "60d"},
                    "origin_lock": origin_lock,
                }
            ],
            "guardrails": {"keep_at_least": 1, "max_archive_fraction": fraction},
        }
    )


def _seed(emulator: Emulator, package: PackageRef, count: int) -> list[str]:
    """``count`` versions, one a day, the newest 12 h ago; returns them newest first.

    Half-day offsets keep every version clear of a whole-day age threshold for a few hours.
    """
    versions = [f"1.{i // 1000}.{i % 1000}" for i in range(count)]  # ascending: oldest first
    published = [NOW - timedelta(days=count - i) + timedelta(hours=12) for i in range(count)]
    emulator.add_versions(
        DOMAIN, REPO, package.format, package.namespace, package.name, zip(versions, published, strict=True)
    )
    return versions[::-1]


def _writes(stats: dict[str, int]) -> int:
    return sum(stats.get(op, 0) for op in MUTATING)


def _run(
    package: PackageRef, gateway: CodeArtifactGateway, ledger: LocalLedger, **kwargs: Any
) -> PackageResult:
    options: dict[str, Any] = {"document": _policy(), "now": NOW, "apply": True, **kwargs}
    return process_package(package, gateway=gateway, ledger=ledger, **options)


@pytest.fixture
def gateway(codeartifact: Any) -> CodeArtifactGateway:
    return CodeArtifactGateway(codeartifact)


@pytest.fixture
def ledger(tmp_path: Path) -> LocalLedger:
    return LocalLedger(tmp_path / "ledger.json")


# --------------------------------------------------------------------------- acceptance counts


def test_first_evaluation_of_5000_versions_lists_5_pages_binary_searches_and_writes_in_chunks(
    emulator: Emulator, gateway: CodeArtifactGateway, ledger: LocalLedger
) -> None:
    # Given 5,000 versions one day apart under "archive published_before 180d"
    newest_first = _seed(emulator, BIG, 5000)
    emulator.set_origin_configuration(DOMAIN, REPO, "npm", "acme", "big", publish="ALLOW", upstream="BLOCK")
    emulator.reset_stats()

    # When evaluated and applied for the first time
    result = _run(BIG, gateway, ledger)

    # Then the cut-off was found by binary search and the writes went out 100 at a time
    stats = emulator.stats()
    archived = result.evaluation.actions(Action.ARCHIVE)
    assert len(archived) == 5000 - 180  # 0.5 .. 179.5 days old stay
    assert stats["ListPackageVersions"] <= 5
    assert stats.get("DescribePackageVersion", 0) + stats.get("DescribePackage", 0) <= 20
    assert stats["UpdatePackageVersionsStatus"] == math.ceil(len(archived) / 100)
    assert sum(stats.values()) <= 5 + 20 + math.ceil(len(archived) / 100)
    assert result.describes == stats["DescribePackageVersion"]
    # and the boundary is exact: 179.5 days old stays, 180.5 days old is archived
    assert emulator.version_status(DOMAIN, REPO, "npm", "acme", "big", newest_first[179]) == "Published"
    assert emulator.version_status(DOMAIN, REPO, "npm", "acme", "big", newest_first[180]) == "Archived"
    assert {str(o) for o in result.outcomes.values()} == {"done"}


def test_steady_state_evaluation_of_5000_unchanged_versions_costs_at_most_6_calls(
    emulator: Emulator, gateway: CodeArtifactGateway, ledger: LocalLedger
) -> None:
    # Given a package already brought to policy once (ledger holds the archive and publish times)
    _seed(emulator, BIG, 5000)
    emulator.set_origin_configuration(DOMAIN, REPO, "npm", "acme", "big", publish="ALLOW", upstream="BLOCK")
    _run(BIG, gateway, ledger)
    emulator.reset_stats()

    # When it is evaluated again an hour later with nothing changed
    result = _run(BIG, gateway, ledger, now=NOW + timedelta(hours=1))

    # Then five list pages and one origin read are all it costs: no describes, no writes
    stats = emulator.stats()
    assert sum(stats.values()) <= 6, stats
    assert _writes(stats) == 0
    assert result.describes == 0
    assert result.outcomes == {}
    assert str(result.origin_outcome) == "unchanged"
    assert result.evaluation.needs is None


# --------------------------------------------------------------------------------------- dry-run


def test_dry_run_makes_zero_mutating_calls_and_the_same_decisions_as_enforce(
    emulator: Emulator, gateway: CodeArtifactGateway, tmp_path: Path
) -> None:
    # Given an unlocked package with old versions
    _seed(emulator, SMALL, 300)
    emulator.set_origin_configuration(DOMAIN, REPO, "npm", "acme", "small", publish="ALLOW", upstream="ALLOW")
    emulator.reset_stats()

    # When planned in dry-run mode, and (separately) with apply=False under enforce
    dry = _run(SMALL, gateway, LocalLedger(tmp_path / "a.json"), document=_policy(mode="dry-run"))
    plan = _run(SMALL, gateway, LocalLedger(tmp_path / "b.json"), apply=False)

    # Then nothing was written, and the decisions equal those enforce then carries out
    assert _writes(emulator.stats()) == 0
    assert dry.applied is False
    assert plan.applied is False
    assert str(dry.origin_outcome) == str(plan.origin_outcome) == "planned"
    assert dry.outcomes == {} == plan.outcomes
    enforce = _run(SMALL, gateway, LocalLedger(tmp_path / "c.json"))
    assert dry.evaluation.decisions == enforce.evaluation.decisions == plan.evaluation.decisions
    assert str(enforce.origin_outcome) == "done"
    assert emulator.stats()["UpdatePackageVersionsStatus"] == 2  # 300 - 180 = 120 archives


# ---------------------------------------------------------------------------- concurrent change


@pytest.mark.parametrize("to_status", ["Unlisted", "Archived"])
def test_a_concurrent_status_change_is_skipped_not_overwritten(
    emulator: Emulator, gateway: CodeArtifactGateway, ledger: LocalLedger, to_status: str
) -> None:
    # Given another client changes one version we plan to archive, between our list and write
    newest_first = _seed(emulator, SMALL, 200)
    victim = newest_first[190]
    emulator.faults.concurrent_change = {
        "package": (DOMAIN, REPO, "npm", "acme", "small"),
        "version": victim,
        "to_status": to_status,
    }

    # When the plan is applied
    result = _run(SMALL, gateway, ledger)

    # Then the victim keeps the other client's status and is reported skipped, the rest archived
    assert emulator.version_status(DOMAIN, REPO, "npm", "acme", "small", victim) == to_status
    assert str(result.outcomes[victim]).startswith("skipped: MISMATCHED_STATUS")
    assert result.resynced is True
    others = [v for v in newest_first[180:] if v != victim]
    assert all(result.outcomes[v].done for v in others)
    assert {emulator.version_status(DOMAIN, REPO, "npm", "acme", "small", v) for v in others} == {"Archived"}
    assert result.failed == {}
    # and a version someone else archived gets a first-seen time, marked as not ours
    record = ledger.load_package(SMALL).versions.get(victim)
    if to_status == "Archived":
        assert record is not None
        assert (record.archived_at, record.archived_by_us) == (NOW, False)
    else:
        assert record is None or record.archived_at is None


# ------------------------------------------------------------------------------- origin + dispose


def test_origin_lock_writes_only_when_the_setting_differs(
    emulator: Emulator, gateway: CodeArtifactGateway, ledger: LocalLedger
) -> None:
    # Given an INTERNAL package left ALLOW/ALLOW (dependency-substitution exposure)
    _seed(emulator, SMALL, 3)
    emulator.set_origin_configuration(DOMAIN, REPO, "npm", "acme", "small", publish="ALLOW", upstream="ALLOW")
    emulator.reset_stats()

    # When evaluated twice
    first = _run(SMALL, gateway, ledger)
    second = _run(SMALL, gateway, ledger)

    # Then one write locked upstream, and the second run found nothing to change
    assert emulator.stats()["PutPackageOriginConfiguration"] == 1
    assert emulator.origin_configuration(DOMAIN, REPO, "npm", "acme", "small") == {
        "publish": "ALLOW",
        "upstream": "BLOCK",
    }
    assert str(first.origin_outcome) == "done"
    assert first.current_origin == OriginConfig(Restriction.ALLOW, Restriction.ALLOW)
    assert str(second.origin_outcome) == "unchanged"
    assert first.origin_dict() == {
        "domain": DOMAIN,
        "repository": REPO,
        "format": "npm",
        "namespace": "acme",
        "package": "small",
        "current": {"publish": "ALLOW", "upstream": "ALLOW"},
        "target": {"publish": "ALLOW", "upstream": "BLOCK"},
        "outcome": "done",
    }


def test_origin_lock_off_never_reads_the_origin(
    emulator: Emulator, gateway: CodeArtifactGateway, ledger: LocalLedger
) -> None:
    _seed(emulator, SMALL, 3)
    emulator.reset_stats()
    result = _run(SMALL, gateway, ledger, document=_policy(origin_lock="off"))
    assert "DescribePackage" not in emulator.stats()
    assert result.origin_outcome is None
    assert result.origin_dict() is None


def test_archived_versions_are_disposed_once_archived_for_has_elapsed(
    emulator: Emulator, gateway: CodeArtifactGateway, ledger: LocalLedger
) -> None:
    # Given versions we archived, and one someone else archived long before we first saw it
    newest_first = _seed(emulator, SMALL, 190)
    emulator.add_version(
        DOMAIN, REPO, "npm", "acme", "small", "0.9.0", status="Archived", published=NOW - timedelta(days=900)
    )
    _run(SMALL, gateway, ledger)
    ours = newest_first[180:]
    assert ledger.load_package(SMALL).versions[ours[0]].archived_by_us is True

    # When 59 days pass, nothing is disposed; after 61 days, everything archived is
    early = _run(SMALL, gateway, ledger, now=NOW + timedelta(days=59))
    assert early.evaluation.actions(Action.DISPOSE) == []
    late = _run(SMALL, gateway, ledger, now=NOW + timedelta(days=61))

    # Then both ours and the first-seen one go, timed from when the ledger recorded them
    disposed = {d.version for d in late.evaluation.actions(Action.DISPOSE)}
    assert disposed == {*ours, "0.9.0"}
    assert {emulator.version_status(DOMAIN, REPO, "npm", "acme", "small", v) for v in disposed} == {
        "Disposed"
    }
    assert all(late.outcomes[v].done for v in disposed)


def test_event_publish_times_spare_describes_and_are_cached(
    emulator: Emulator, gateway: CodeArtifactGateway, ledger: LocalLedger
) -> None:
    # Given two versions and the publish time of the newest from its event
    _seed(emulator, SMALL, 2)
    newest = "1.0.1"
    emulator.reset_stats()

    # When evaluated with that time known
    result = _run(SMALL, gateway, ledger, known_published={newest: NOW - timedelta(days=1)})

    # Then its source is the event and the ledger caches it for next time
    assert result.sources[newest] == "event"
    assert ledger.load_package(SMALL).versions[newest].published == NOW - timedelta(days=1)
    assert result.describes == emulator.stats().get("DescribePackageVersion", 0)


def test_plan_json_rows_carry_the_design_fields_and_outcomes_once_applied(
    emulator: Emulator, gateway: CodeArtifactGateway, ledger: LocalLedger
) -> None:
    newest_first = _seed(emulator, SMALL, 200)
    planned = _run(SMALL, gateway, ledger, apply=False).to_json()
    applied = _run(SMALL, gateway, ledger).to_json()

    row = next(r for r in planned["decisions"] if r["version"] == newest_first[199])
    assert row == {
        "domain": DOMAIN,
        "repository": REPO,
        "format": "npm",
        "namespace": "acme",
        "package": "small",
        "version": newest_first[199],
        "status": "Published",
        "action": "archive",
        "reason": row["reason"],
        "policy": "npm-libraries",
    }
    assert "180d" in row["reason"]
    applied_row = next(r for r in applied["decisions"] if r["version"] == newest_first[199])
    assert applied_row["outcome"] == "done"
    kept = next(r for r in applied["decisions"] if r["version"] == newest_first[0])
    assert kept["action"] == "keep"
    assert "outcome" not in kept
    assert {r["status"] for r in applied["decisions"]} <= {s.value for s in Status}


def test_throttling_bursts_are_survived_by_the_default_client(
    emulator: Emulator, ledger: LocalLedger
) -> None:
    # Given every fifth request throttled (Retry-After 0 keeps the test fast)
    newest_first = _seed(emulator, SMALL, 190)
    emulator.faults.throttle_every = 5
    emulator.faults.throttle_retry_after = 0

    # When the default gateway (adaptive retries, endpoint from the environment) applies the plan
    result = _run(SMALL, CodeArtifactGateway(), ledger)

    # Then every action went through despite the 429s
    assert all(result.outcomes[v].done for v in newest_first[180:])
    assert {emulator.version_status(DOMAIN, REPO, "npm", "acme", "small", v) for v in newest_first[180:]} == {
        "Archived"
    }


class _WritesFail(CodeArtifactGateway):
    """The real gateway for reads; every status write fails with ``error`` (an IAM or quota edge)."""

    def __init__(self, client: Any, error: GatewayError) -> None:
        super().__init__(client)
        self.error = error

    def update_status(
        self, package: PackageRef, versions: Mapping[str, str], expected: Status, target: Status
    ) -> WriteResult:
        raise self.error


def test_a_throttled_write_is_raised_for_a_retry_after_the_ledger_keeps_what_was_learnt(
    emulator: Emulator, codeartifact: Any, ledger: LocalLedger
) -> None:
    # Given writes that stay throttled after botocore's retries
    _seed(emulator, SMALL, 200)
    gateway = _WritesFail(
        codeartifact, Throttled("ThrottlingException", "UpdatePackageVersionsStatus", "slow down")
    )

    # When applying, the error reaches the caller (SQS redelivers the message) ...
    with pytest.raises(Throttled):
        _run(SMALL, gateway, ledger)

    # ... and the publish times found by the describes are cached, so the retry is cheaper
    cached = [r.published for r in ledger.load_package(SMALL).versions.values() if r.published]
    assert len(cached) == emulator.stats()["DescribePackageVersion"] > 0
    assert ledger.load_package(SMALL).last_evaluated is None  # not a completed evaluation


def test_a_permanent_write_error_is_reported_per_version_without_raising(
    emulator: Emulator, codeartifact: Any, ledger: LocalLedger
) -> None:
    newest_first = _seed(emulator, SMALL, 190)
    denied = AccessDenied("AccessDeniedException", "UpdatePackageVersionsStatus", "not authorized")
    result = _run(SMALL, _WritesFail(codeartifact, denied), ledger)

    assert set(result.failed) == set(newest_first[180:])
    assert "codeartifact:UpdatePackageVersionsStatus" in str(result.outcomes[newest_first[185]])
    assert result.counts()["failed"] == 10
    assert {emulator.version_status(DOMAIN, REPO, "npm", "acme", "small", v) for v in newest_first[180:]} == {
        "Published"
    }


def test_the_gateway_waits_at_least_the_retry_after_codeartifact_sends(emulator: Emulator) -> None:
    # Given every second request throttled with Retry-After: 2 (botocore alone waits about 1 s here)
    _seed(emulator, SMALL, 1)
    slept: list[float] = []
    gateway = CodeArtifactGateway(clock=lambda: 100.0, sleep=slept.append)
    gateway.list_versions(SMALL)  # request 1 passes
    emulator.faults.throttle_every = 2
    emulator.faults.throttle_retry_after = 2

    # When the next call is throttled once and retried
    facts = gateway.list_versions(SMALL)

    # Then it succeeded, after the retry waited the server's hint (our hook's own wait)
    assert [f.version for f in facts] == ["1.0.0"]
    assert slept == [pytest.approx(2.0)]
    assert emulator.stats()["ListPackageVersions"] == 3


def test_a_timeout_mid_write_keeps_the_guardrail_cap_on_the_retry(
    emulator: Emulator, codeartifact: Any, tmp_path: Path
) -> None:
    # Given 450 versions of which 270 are old, under max_archive_fraction 0.5 (225 archives at most)
    _seed(emulator, SMALL, 450)
    ledger = MortalLedger(tmp_path / "ledger.json")
    writes = 0

    def kill_on_the_second_write(**_: Any) -> None:
        nonlocal writes
        writes += 1
        if writes == 2:
            ledger.dead = True
            raise Killed

    codeartifact.meta.events.register(
        "before-call.codeartifact.UpdatePackageVersionsStatus", kill_on_the_second_write
    )
    document = _policy(fraction=0.5)
    # When the first run is killed after its first write (100 versions archived) ...
    with pytest.raises(Killed):
        _run(SMALL, CodeArtifactGateway(codeartifact), ledger, document=document)
    archived_first = [
        v
        for v in _seed_versions(450)
        if emulator.version_status(DOMAIN, REPO, "npm", "acme", "small", v) == "Archived"
    ]
    assert len(archived_first) == 100
    # ... and SQS redelivers the package a minute later
    ledger.dead = False
    _run(SMALL, CodeArtifactGateway(codeartifact), ledger, document=document, now=NOW + timedelta(minutes=1))
    # Then the ledger knew the first 100 as our own archives, so the cap held across both runs
    statuses = [emulator.version_status(DOMAIN, REPO, "npm", "acme", "small", v) for v in _seed_versions(450)]
    assert statuses.count("Archived") == 225
    assert all(ledger.load_package(SMALL).versions[v].archived_by_us for v in archived_first)


def _seed_versions(count: int) -> list[str]:
    return [f"1.{i // 1000}.{i % 1000}" for i in range(count)]


def test_a_call_level_write_error_is_not_repeated_for_every_chunk(
    emulator: Emulator, codeartifact: Any, ledger: LocalLedger
) -> None:
    # Given 120 archives (two chunks) and writes that are denied
    newest_first = _seed(emulator, SMALL, 300)
    denied = AccessDenied("AccessDeniedException", "UpdatePackageVersionsStatus", "not authorized")
    gateway = _WritesFail(codeartifact, denied)
    calls = 0
    original = gateway.update_status

    def counted(*args: Any, **kwargs: Any) -> WriteResult:
        nonlocal calls
        calls += 1
        return original(*args, **kwargs)

    gateway.update_status = counted  # type: ignore[method-assign]
    # When applied
    result = _run(SMALL, gateway, ledger)
    # Then one call was spent, and every planned archive is reported failed with its reason
    assert calls == 1
    assert set(result.failed) == set(newest_first[180:])
    denied = "codeartifact:UpdatePackageVersionsStatus"
    assert all(denied in str(result.failed[v]) for v in newest_first[180:])


def test_retry_after_is_honoured_even_by_a_botocore_that_ignores_it(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a botocore without x-amz-retry-after support (the Lambda runtime's bundled botocore
    # may predate it), simulated by switching its reading of the header off
    from botocore.retries.standard import ExponentialBackoff

    monkeypatch.setattr(ExponentialBackoff, "_get_retry_after_delay", lambda self, context: None)
    _seed(emulator, SMALL, 1)
    slept: list[float] = []
    gateway = CodeArtifactGateway(clock=lambda: 100.0, sleep=slept.append)
    gateway.list_versions(SMALL)  # request 1 passes
    emulator.faults.throttle_every = 2
    emulator.faults.throttle_retry_after = 3

    # When the next call is throttled once with Retry-After: 3 and retried
    facts = gateway.list_versions(SMALL)

    # Then the retry still waited the server's hint, by our own hook
    assert [f.version for f in facts] == ["1.0.0"]
    assert slept == [pytest.approx(3.0)]
    assert emulator.stats()["ListPackageVersions"] == 3


class _OvertakenGateway(CodeArtifactGateway):
    """Another evaluation of the package runs to completion just before our ``moment`` call."""

    def __init__(self, client: Any, overtake: Any, moment: str) -> None:
        super().__init__(client)
        self.overtake = overtake
        self.moment = moment

    def _maybe_overtaken(self, method: str) -> None:
        if method == self.moment and self.overtake is not None:
            overtake, self.overtake = self.overtake, None
            overtake()

    def list_versions(self, package: PackageRef) -> list[Any]:
        self._maybe_overtaken("list_versions")
        return super().list_versions(package)

    def describe_origin(self, package: PackageRef) -> OriginConfig | None:
        self._maybe_overtaken("describe_origin")
        return super().describe_origin(package)


@pytest.mark.parametrize("moment", ["list_versions", "describe_origin"])
def test_a_concurrent_evaluation_cannot_relabel_our_archives_as_first_seen(
    emulator: Emulator, codeartifact: Any, ledger: LocalLedger, moment: str
) -> None:
    # Given two evaluations of one package racing (two events in two batches): the first
    # archives 20 versions while the second is between its start and its listing, or between
    # its listing and its ledger save
    newest_first = _seed(emulator, SMALL, 200)
    ours = newest_first[180:]
    first = CodeArtifactGateway(codeartifact)
    second = _OvertakenGateway(codeartifact, lambda: _run(SMALL, first, ledger), moment)
    # When the second finishes last
    result = _run(SMALL, second, ledger, now=NOW + timedelta(seconds=5))
    # Then the second wrote nothing over the first (its writes, if planned, were skipped)
    assert result.failed == {}
    assert all(str(outcome).startswith("skipped: MISMATCHED") for outcome in result.outcomes.values())
    # And the ledger still says we archived them, at the first run's time (the guardrail's
    # window counts them; dispose counts from then)
    records = ledger.load_package(SMALL).versions
    assert {(records[v].archived_by_us, records[v].archived_at) for v in ours} == {(True, NOW)}


def test_a_package_that_no_longer_exists_raises_not_found_before_any_write(
    emulator: Emulator, gateway: CodeArtifactGateway, ledger: LocalLedger
) -> None:
    # Given an event or sweep item naming a package the repository no longer has (or never had)
    _seed(emulator, SMALL, 1)  # the repository exists
    gone = PackageRef(DOMAIN, REPO, "npm", "acme", "gone")
    emulator.reset_stats()
    # When it is evaluated and applied, Then NotFound reaches the caller (the CLI reports it;
    # the worker settles the records) ...
    with pytest.raises(NotFound):
        _run(gone, gateway, ledger)
    # ... and nothing was written: in particular no origin write, which would re-create the
    # package as an empty record
    assert _writes(emulator.stats()) == 0
    with pytest.raises(KeyError):
        emulator.origin_configuration(DOMAIN, REPO, "npm", "acme", "gone")
