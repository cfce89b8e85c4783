"""Issue 17 regressions at the application layer, against the emulator: a kill after a write
landed, a confirmation that binds, a person's restore, the default version, re-published
versions. Each test fails on the code before the issue's work."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ca_emulator import Emulator
from ca_lifecycle.app.package import PackageResult, PlannedWrite, process_package
from ca_lifecycle.facts import Action, PackageRef, Status
from ca_lifecycle.gateway import CodeArtifactGateway
from ca_lifecycle.ledger import Intent, LocalLedger, VersionRecord
from ca_lifecycle.policy import PolicyDocument, parse_policy
from mortal import Killed, MortalLedger

pytestmark = pytest.mark.integration

NOW = datetime(2026, 6, 1, tzinfo=UTC)
DOMAIN, REPO = "acme", "release"
PKG = PackageRef(DOMAIN, REPO, "npm", "acme", "trust")


def _policy(
    *,
    fraction: float = 1.0,
    archive: list[dict[str, Any]] | None = None,
    protect: list[dict[str, Any]] | None = None,
) -> PolicyDocument:
    return parse_policy(
        {
            "version": 1,
            "mode": "enforce",
            "policies": [
                {
                    "id": "p",
                    "scope": {"domain": DOMAIN, "packages": ["/npm/acme/*"]},
                    "protect": [{"newest": 2}] if protect is None else protect,
                    "archive": archive or [{"published_before": "180d"}],
                    "dispose": {"archived_for": "60d"},
                }
            ],
            "guardrails": {"keep_at_least": 1, "max_archive_fraction": fraction},
        }
    )


def _seed(emulator: Emulator, count: int, *, newest_age: timedelta = timedelta(hours=12)) -> list[str]:
    """``count`` versions one day apart, ascending in version and time; newest first."""
    versions = [f"1.{i // 1000}.{i % 1000}" for i in range(count)]
    published = [NOW - newest_age - timedelta(days=count - 1 - i) for i in range(count)]
    emulator.add_versions(DOMAIN, REPO, "npm", "acme", "trust", zip(versions, published, strict=True))
    return versions[::-1]


def _status(emulator: Emulator, version: str) -> str:
    return str(emulator.version_status(DOMAIN, REPO, "npm", "acme", "trust", version))


def _run(gateway: CodeArtifactGateway, ledger: LocalLedger, **kwargs: Any) -> PackageResult:
    options: dict[str, Any] = {"document": _policy(), "now": NOW, "apply": True, **kwargs}
    return process_package(PKG, gateway=gateway, ledger=ledger, **options)


# ------------------------------------------------------------------ finding 2: write-ahead intents


@pytest.mark.parametrize("killed_after", [1, 3, 5])
def test_a_kill_after_a_chunk_landed_keeps_the_cap_on_the_retry(
    emulator: Emulator, codeartifact: Any, tmp_path: Path, killed_after: int
) -> None:
    # Given 1,200 versions, all old, under max_archive_fraction 0.5 (600 archives at most)
    newest_first = _seed(emulator, 1200, newest_age=timedelta(days=400))
    ledger = MortalLedger(tmp_path / "ledger.json")
    calls = 0

    def kill_once_the_call_landed(**_: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == killed_after:
            ledger.dead = True
            raise Killed

    codeartifact.meta.events.register(
        "after-call.codeartifact.UpdatePackageVersionsStatus", kill_once_the_call_landed
    )
    document = _policy(fraction=0.5)
    # When the run is killed just after chunk N landed in CodeArtifact (the ledger never hears)
    with pytest.raises(Killed):
        _run(CodeArtifactGateway(codeartifact), ledger, document=document)
    landed = [v for v in newest_first if _status(emulator, v) == "Archived"]
    assert len(landed) == 100 * killed_after
    # ... and the retry runs a minute later
    ledger.dead = False
    retry = _run(CodeArtifactGateway(codeartifact), ledger, document=document, now=NOW + timedelta(minutes=1))
    # Then the open intent told it those were ours: the window's cap held across both runs
    assert len(retry.recovered) == 100
    assert set(retry.recovered) <= set(landed)
    assert [_status(emulator, v) for v in newest_first].count("Archived") == 600
    stored = ledger.load_package(PKG)
    assert all(stored.versions[v].archived_by_us for v in landed)
    assert stored.versions[landed[-1]].archived_at == NOW  # the intent's time, not the retry's
    assert stored.intents == {}  # settled


def test_an_intent_whose_call_never_landed_claims_nothing(
    emulator: Emulator, codeartifact: Any, tmp_path: Path
) -> None:
    # Given an intent for two versions the call never changed (killed before sending)
    newest_first = _seed(emulator, 10, newest_age=timedelta(days=400))
    ledger = LocalLedger(tmp_path / "ledger.json")
    revisions = {f.version: f.revision for f in CodeArtifactGateway(codeartifact).list_versions(PKG)}
    pending = {v: str(revisions[v]) for v in newest_first[-2:]}
    ledger.record_intent(
        PKG, Intent("dead-run", Action.ARCHIVE, Status.PUBLISHED, pending, NOW - timedelta(hours=1))
    )
    # When the package is next evaluated (dry-run: no writes of its own)
    result = _run(CodeArtifactGateway(codeartifact), ledger, apply=False)
    # Then nothing is claimed as ours and the intent is settled
    assert result.recovered == []
    assert all(not ledger.load_package(PKG).versions.get(v, VersionRecord()).archived_by_us for v in pending)
    assert ledger.load_package(PKG).intents == {}


# ------------------------------------------------------------- finding 4: a binding confirmation


def test_apply_writes_only_what_the_confirmation_listed(
    emulator: Emulator, codeartifact: Any, tmp_path: Path
) -> None:
    # Given a preview that would archive 6 of 10 versions
    _seed(emulator, 10, newest_age=timedelta(days=400))
    ledger = LocalLedger(tmp_path / "ledger.json")
    gateway = CodeArtifactGateway(codeartifact)
    preview = _run(gateway, ledger, apply=False)
    confirmed = {
        d.version: PlannedWrite(d.action, d.status, d.revision or "")
        for d in preview.evaluation.decisions
        if d.action is Action.ARCHIVE
    }
    assert len(confirmed) == 8
    # ... and, before the answer, two more versions published (the old newest two fall out of "newest: 2")
    emulator.add_version(DOMAIN, REPO, "npm", "acme", "trust", "9.0.0", published=NOW - timedelta(hours=1))
    emulator.add_version(DOMAIN, REPO, "npm", "acme", "trust", "9.1.0", published=NOW - timedelta(minutes=30))
    # When applying with the confirmation
    result = _run(gateway, ledger, allowed=confirmed)
    # Then exactly the confirmed versions were archived; the two newly archivable were skipped, and said so
    archived = {v for v, o in result.outcomes.items() if o.done}
    assert archived == set(confirmed)
    skipped = {v: str(o) for v, o in result.outcomes.items() if not o.done}
    assert len(skipped) == 2
    assert all("not in the confirmed plan" in text for text in skipped.values())
    assert all(_status(emulator, v) == "Published" for v in skipped)


def test_a_confirmed_write_whose_version_changed_is_skipped_and_reported(
    emulator: Emulator, codeartifact: Any, tmp_path: Path
) -> None:
    newest_first = _seed(emulator, 6, newest_age=timedelta(days=400))
    gateway = CodeArtifactGateway(codeartifact)
    ledger = LocalLedger(tmp_path / "ledger.json")
    oldest = newest_first[-1]
    planned = {oldest: PlannedWrite(Action.ARCHIVE, Status.PUBLISHED, "a-revision-no-longer-there")}
    result = _run(gateway, ledger, allowed=planned)
    assert str(result.outcomes[oldest]).startswith("skipped: changed since the plan")
    assert _status(emulator, oldest) == "Published"
    assert sum(1 for o in result.outcomes.values() if o.done) == 0


# --------------------------------------------------- finding 5: a person restores, the engine holds


def test_a_version_restored_by_someone_is_held_not_archived_again(
    emulator: Emulator, codeartifact: Any, tmp_path: Path
) -> None:
    # Given the engine archived the old versions
    newest_first = _seed(emulator, 5, newest_age=timedelta(days=400))
    gateway = CodeArtifactGateway(codeartifact)
    ledger = LocalLedger(tmp_path / "ledger.json")
    first = _run(gateway, ledger)
    victim = newest_first[-1]
    assert first.outcomes[victim].done
    # When a person moves one back to Published (the console, the CLI), and its event re-evaluates
    revision = next(f.revision for f in gateway.list_versions(PKG) if f.version == victim)
    codeartifact.update_package_versions_status(
        domain=DOMAIN,
        repository=REPO,
        format="npm",
        namespace="acme",
        package="trust",
        versions=[victim],
        versionRevisions={victim: revision},
        expectedStatus="Archived",
        targetStatus="Published",
    )
    later = _run(gateway, ledger, now=NOW + timedelta(hours=1))
    # Then it is held, with the reason, and not archived again for restore_hold (30 d)
    assert victim in later.holds_added
    decision = next(d for d in later.evaluation.decisions if d.version == victim)
    assert (decision.action, decision.rule) == (Action.KEEP, "hold")
    assert decision.reason.startswith("held until 2026-07-01T01:00:00Z: restored by someone else")
    assert _status(emulator, victim) == "Published"
    still = _run(gateway, ledger, now=NOW + timedelta(days=29))
    assert next(d for d in still.evaluation.decisions if d.version == victim).rule == "hold"
    # and once the hold expires the policy decides again
    after = _run(gateway, ledger, now=NOW + timedelta(days=31))
    assert after.outcomes[victim].done


# ----------------------------------------------------- finding 6: what `npm install` resolves to


def test_the_default_display_version_is_kept_when_the_policy_ranks_it_low(
    emulator: Emulator, codeartifact: Any, tmp_path: Path
) -> None:
    # Given 2.0.0 and 1.0.0, then a maintenance release 1.0.1 published last (npm's `latest`)
    for version, age in (("1.0.0", 30), ("2.0.0", 20), ("1.0.1", 10)):
        emulator.add_version(
            DOMAIN, REPO, "npm", "acme", "trust", version, published=NOW - timedelta(days=age)
        )
    document = _policy(archive=[{"beyond_newest": 1}], protect=[])
    gateway = CodeArtifactGateway(codeartifact)
    # When applied
    result = _run(gateway, LocalLedger(tmp_path / "l.json"), document=document)
    # Then 1.0.1 stays (the default version), 1.0.0 is archived
    by_version = {d.version: d for d in result.evaluation.decisions}
    assert (by_version["1.0.1"].action, by_version["1.0.1"].rule) == (Action.KEEP, "default-version")
    assert _status(emulator, "1.0.1") == "Published"
    assert _status(emulator, "1.0.0") == "Archived"


# ----------------------------------------------- finding 9: a re-published version inherits nothing


def _republish(emulator: Emulator, codeartifact: Any, version: str, published: datetime) -> None:
    codeartifact.delete_package_versions(
        domain=DOMAIN, repository=REPO, format="npm", namespace="acme", package="trust", versions=[version]
    )
    emulator.add_version(DOMAIN, REPO, "npm", "acme", "trust", version, published=published)


def test_a_republished_version_does_not_keep_the_old_publish_time(
    emulator: Emulator, codeartifact: Any, tmp_path: Path
) -> None:
    # Given 1.0.0 published long ago, its publish time cached in the ledger by a dry-run
    _seed(emulator, 4, newest_age=timedelta(days=1))  # 1.0.0 … 1.0.3, the oldest 4 days old
    emulator.add_version(DOMAIN, REPO, "npm", "acme", "trust", "0.1.0", published=NOW - timedelta(days=400))
    gateway = CodeArtifactGateway(codeartifact)
    ledger = LocalLedger(tmp_path / "ledger.json")
    first = _run(gateway, ledger, apply=False)
    assert next(d for d in first.evaluation.decisions if d.version == "0.1.0").action is Action.ARCHIVE
    assert ledger.load_package(PKG).versions["0.1.0"].published == NOW - timedelta(days=400)
    # When it is deleted and published again a minute ago (a new artifact, a new revision)
    _republish(emulator, codeartifact, "0.1.0", NOW - timedelta(minutes=1))
    again = _run(gateway, ledger, apply=False)
    # Then the old time is not used: the new artifact is not old, so not archived
    decision = next(d for d in again.evaluation.decisions if d.version == "0.1.0")
    assert decision.action is not Action.ARCHIVE, decision.reason
    assert again.sources["0.1.0"] != "ledger"


def test_a_republished_version_archived_again_starts_a_new_dispose_clock(
    emulator: Emulator, codeartifact: Any, tmp_path: Path
) -> None:
    # Given 0.1.0 first seen Archived long ago (its clock long past archived_for)
    _seed(emulator, 3, newest_age=timedelta(days=1))
    emulator.add_version(
        DOMAIN, REPO, "npm", "acme", "trust", "0.1.0", status="Archived", published=NOW - timedelta(days=400)
    )
    gateway = CodeArtifactGateway(codeartifact)
    ledger = LocalLedger(tmp_path / "ledger.json")
    _run(gateway, ledger, apply=False, now=NOW - timedelta(days=90))
    assert ledger.load_package(PKG).versions["0.1.0"].archived_at == NOW - timedelta(days=90)
    # When it is deleted, published again, and archived again by someone else
    _republish(emulator, codeartifact, "0.1.0", NOW - timedelta(days=2))
    revision = next(f.revision for f in gateway.list_versions(PKG) if f.version == "0.1.0")
    codeartifact.update_package_versions_status(
        domain=DOMAIN,
        repository=REPO,
        format="npm",
        namespace="acme",
        package="trust",
        versions=["0.1.0"],
        versionRevisions={"0.1.0": revision},
        expectedStatus="Published",
        targetStatus="Archived",
    )
    result = _run(gateway, ledger)
    # Then it is not disposed on the old artifact's clock: first seen now, the clock starts
    decision = next(d for d in result.evaluation.decisions if d.version == "0.1.0")
    assert decision.action is Action.KEEP, decision.reason
    assert "first seen now" in decision.reason
    assert _status(emulator, "0.1.0") == "Archived"
    assert ledger.load_package(PKG).versions["0.1.0"].archived_at == NOW


def test_a_concurrent_merge_never_brings_back_an_old_artifact_s_archive_time(
    emulator: Emulator, codeartifact: Any, tmp_path: Path
) -> None:
    # Given the ledger holds an archive time of an OLD artifact of 0.1.0 (another revision)
    _seed(emulator, 3, newest_age=timedelta(days=1))
    emulator.add_version(
        DOMAIN, REPO, "npm", "acme", "trust", "0.1.0", status="Archived", published=NOW - timedelta(days=400)
    )
    ledger = LocalLedger(tmp_path / "ledger.json")
    old = VersionRecord(revision="OLD-ARTIFACT", archived_at=NOW - timedelta(days=365), archived_by_us=True)
    ledger.record_versions(PKG, {"0.1.0": old})
    # When the package is evaluated (the merge re-reads the stored record before saving)
    result = _run(CodeArtifactGateway(codeartifact), ledger)
    # Then the run says "first seen now" and saves exactly that, not the old time
    decision = next(d for d in result.evaluation.decisions if d.version == "0.1.0")
    assert "first seen now" in decision.reason
    saved = ledger.load_package(PKG).versions["0.1.0"]
    assert saved.archived_at == NOW
    assert saved.archived_by_us is False
    assert saved.revision != "OLD-ARTIFACT"
    assert _status(emulator, "0.1.0") == "Archived"
    assert replace(saved, archived_at=None) != old
