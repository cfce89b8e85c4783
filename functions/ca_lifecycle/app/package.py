"""Evaluate one package and (optionally) apply the decisions: the one use case behind the
worker, sweep work items, the CLI's ``plan``/``apply``/``explain`` and the demo.

Flow: ListPackageVersions → ledger (facts of the same artifacts only; open write intents of
an interrupted run resolved against the listing) → publish times (ledger, the event, then a
binary search of DescribePackageVersion calls) → engine → guarded writes, each chunk
announced in the ledger before the call → ledger.

Three parts, one job each: ``LedgerView`` (what the ledger knows and what this run will save),
``PublishTimes`` (known times and the describe budget) and ``Writer`` (the write loop).
Dry-run makes the same decisions and no mutating CodeArtifact call; it still records
observations (publish times, first sightings of Archived versions) at the run's real time.
``read_only`` (a preview under a what-if clock) writes nothing to the ledger at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from ca_lifecycle.app.outcomes import (
    DONE,
    NOT_ATTEMPTED,
    PLANNED,
    UNCHANGED,
    Outcome,
    OutcomeKind,
    failed,
    skipped,
)
from ca_lifecycle.engine import Decision, Evaluation, PreparedEvaluation, prepare
from ca_lifecycle.engine.core import iso
from ca_lifecycle.facts import Action, Hold, OriginConfig, PackageRef, Status, UsageFacts, VersionFact
from ca_lifecycle.gateway import (
    MISMATCH_CODES,
    WRITE_CHUNK,
    Gateway,
    GatewayError,
    InvalidResponse,
    NotFound,
    Throttled,
    Unreachable,
    WriteResult,
)
from ca_lifecycle.ledger import Intent, Ledger, VersionRecord
from ca_lifecycle.policy import Mode, PackagePolicy, PolicyDocument

_EMPTY: Mapping[str, datetime] = MappingProxyType({})
# Above this many versions to re-read before a save, one package query beats single reads.
_SINGLE_READS = 25
# A write interrupted by one of these is re-raised after the ledger is saved: the caller
# (SQS redelivery, a CLI re-run) retries the whole package, which is idempotent.
_TRANSIENT_CODES = frozenset({"InternalServerException", "ServiceUnavailableException"})
# Per-version answers meaning "someone else changed or deleted it since we listed": skipped, not failed.
_CONCURRENT_CODES = MISMATCH_CODES | {"NOT_FOUND"}
_TARGET = {Action.ARCHIVE: Status.ARCHIVED, Action.DISPOSE: Status.DISPOSED}
# Longer than any one write call with its retries (and than a Lambda's 15-minute run).
INTENT_LIFETIME = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class PlannedWrite:
    """One write a person confirmed (interactively, or in a saved plan): nothing else is written."""

    action: Action
    status: Status  # the expectedStatus
    revision: str


@dataclass
class PackageResult:
    evaluation: Evaluation
    applied: bool  # False in dry-run / plan
    outcomes: dict[str, Outcome]  # version -> outcome, for every write intended or confirmed
    origin_outcome: Outcome | None  # None when the policy leaves the origin alone
    describes: int  # DescribePackageVersion calls spent
    sources: dict[str, str]  # version -> "ledger" | "event" | "describe" | "inferred" | "unknown"
    resynced: bool = False  # a concurrent change forced a re-list during the writes
    interrupted: bool = False  # stopped between write chunks on request (Ctrl-C)
    recovered: list[str] = field(default_factory=list)  # versions an earlier run's open intent changed
    holds_added: dict[str, Hold] = field(default_factory=dict)  # restores noticed: held, not re-archived
    # The ledger's records as this run leaves them (saved, or in memory when read-only).
    records: dict[str, VersionRecord] = field(default_factory=dict)

    @property
    def current_origin(self) -> OriginConfig | None:
        """The origin configuration read before acting (None when the policy leaves origins alone)."""
        return self.evaluation.current_origin

    @property
    def package(self) -> PackageRef:
        return self.evaluation.package

    @property
    def failed(self) -> dict[str, Outcome]:
        """Attempted actions that failed (not the guard skips): apply exits 1 on these."""
        failures = {v: o for v, o in self.outcomes.items() if o.failed}
        if self.origin_outcome is not None and self.origin_outcome.failed:
            failures["<origin>"] = self.origin_outcome
        return failures

    def outcome_of(self, decision: Decision) -> Outcome:
        return self.outcomes.get(decision.version, NOT_ATTEMPTED)

    def counts(self) -> dict[str, int]:
        """Decisions per action, plus what was actually done."""
        counts = {action.value: 0 for action in Action}
        for decision in self.evaluation.decisions:
            counts[decision.action.value] += 1
        kinds = [o.kind for o in self.outcomes.values()]
        counts["done"] = kinds.count(OutcomeKind.DONE)
        counts["failed"] = kinds.count(OutcomeKind.FAILED)
        counts["skipped_concurrent"] = kinds.count(OutcomeKind.SKIPPED)
        return counts

    def _coordinates(self) -> dict[str, Any]:
        ref = self.package
        return {
            "domain": ref.domain,
            "repository": ref.repository,
            "format": ref.format,
            "namespace": ref.namespace,
            "package": ref.name,
        }

    def decision_dicts(self) -> list[dict[str, Any]]:
        """DESIGN.md's plan JSON decisions; ``outcome`` is added once the plan was applied."""
        coordinates = self._coordinates()
        rows: list[dict[str, Any]] = []
        for decision in self.evaluation.decisions:
            row = {
                **coordinates,
                "version": decision.version,
                "status": decision.status.value,
                "action": decision.action.value,
                "reason": decision.reason,
                "policy": self.evaluation.policy_id,
            }
            if self.applied and (
                decision.action in (Action.ARCHIVE, Action.DISPOSE) or decision.version in self.outcomes
            ):
                row["outcome"] = str(self.outcome_of(decision))
            rows.append(row)
        return rows

    def origin_dict(self) -> dict[str, Any] | None:
        """DESIGN.md's plan JSON origin entry, or None when the policy leaves the origin alone."""
        target = self.evaluation.origin_target
        if target is None:
            return None
        current = self.current_origin
        entry: dict[str, Any] = {
            **self._coordinates(),
            "current": None
            if current is None
            else {"publish": current.publish.value, "upstream": current.upstream.value},
            "target": {"publish": target.publish.value, "upstream": target.upstream.value},
        }
        if self.applied and self.origin_outcome is not None:
            entry["outcome"] = str(self.origin_outcome)
        return entry

    def to_json(self) -> dict[str, Any]:
        return {"decisions": self.decision_dicts(), "origin": self.origin_dict()}


def process_package(
    package: PackageRef,
    *,
    document: PolicyDocument,
    gateway: Gateway,
    ledger: Ledger,
    now: datetime,
    apply: bool,
    known_published: Mapping[str, datetime] = _EMPTY,
    max_describes: int = 40,
    sequence: int | None = None,
    read_only: bool = False,
    allowed: Mapping[str, PlannedWrite] | None = None,
    should_stop: Callable[[], bool] | None = None,
    known_origin: OriginConfig | None = None,
) -> PackageResult:
    """Evaluate ``package`` against ``document`` and, when ``apply`` and ``mode: enforce``, act.

    ``now`` is the decision clock and the time of every observation written to the ledger:
    the real time, unless the caller rehearses time on purpose (``--simulated-clock``).
    ``known_published``: publish times the caller already knows (the publish event's time).
    ``sequence``: the newest event sequence number this evaluation covers; the package summary
    (sequence, evaluation time) is written once, after success, so a failed evaluation never
    makes its own retry look stale. ``read_only``: write nothing to the ledger (a what-if
    preview); cannot be combined with ``apply``. ``allowed``: the confirmed writes; any other
    write the fresh evaluation wants is skipped and reported. ``should_stop``: asked between
    write chunks; True finishes the chunk in flight, saves, and stops (``interrupted``).
    ``known_origin``: the origin configuration the caller just listed (the sweep's ListPackages
    page); given, no DescribePackage is made for it.
    """
    if read_only and apply:
        raise ValueError("a read-only evaluation cannot apply: its writes would go unrecorded")
    view = LedgerView(ledger, package, read_only=read_only)
    run = _Run(
        package,
        document=document,
        gateway=gateway,
        view=view,
        now=now,
        known_published=known_published,
        max_describes=max_describes,
        known_origin=known_origin,
    )
    try:
        result = run.process(apply=apply, allowed=allowed, should_stop=should_stop)
    except BaseException:
        # Keep what was learnt (publish times) and done (archive times) for the retry.
        view.save()
        raise
    view.save()
    view.settle_intents(run.landed(result))
    if not read_only:
        ledger.record_evaluation(package, now, sequence)
    result.records = dict(view.records)
    return result


# --------------------------------------------------------------------------------- ledger


class LedgerView:
    """The ledger's facts for one package during one run, and the updates it will save."""

    def __init__(self, ledger: Ledger, package: PackageRef, *, read_only: bool) -> None:
        self.ledger = ledger
        self.package = package
        self.read_only = read_only
        self.records: dict[str, VersionRecord] = {}
        self.intents: dict[str, Intent] = {}
        self.updates: dict[str, VersionRecord] = {}
        self.first_seen: set[str] = set()  # archive times set by this run's first sighting
        self.archive_facts: set[str] = set()  # versions whose archive fields this run set
        self.settled: set[str] = set()  # intents resolved: cleared once the records are saved

    def load(self) -> None:
        stored = self.ledger.load_package(self.package)
        self.records = dict(stored.versions)
        self.intents = dict(stored.intents)

    def record(self, version: str) -> VersionRecord:
        return self.updates.get(version) or self.records.get(version) or VersionRecord()

    def update(self, version: str, **changes: Any) -> None:
        current = self.record(version)
        changed = replace(current, **changes)
        if changed != current:
            self.updates[version] = changed
        if "archived_at" in changes:
            self.archive_facts.add(version)

    def reset(self, version: str, revision: str | None) -> None:
        """A new artifact under a known version string: none of the old one's facts apply.
        A hold stays: a person asked to keep the version, whatever its artifact."""
        old = self.record(version)
        self.updates[version] = VersionRecord(
            revision=revision, held_until=old.held_until, hold_reason=old.hold_reason
        )
        self.archive_facts.add(version)

    def begin_write(self, intent: Intent) -> None:
        if not self.read_only:
            self.ledger.record_intent(self.package, intent)

    def end_write(self, intent: Intent) -> None:
        """After the outcome of the call is saved in the version records."""
        if not self.read_only:
            self.ledger.clear_intent(self.package, intent.intent_id)

    def save(self) -> None:
        if self.updates and not self.read_only:
            self._keep_concurrent_archives()
            self.ledger.record_versions(self.package, self.updates)
        self.records.update(self.updates)
        self.updates = {}  # saved: a second call (error path after success) writes nothing
        self.first_seen.clear()
        self.archive_facts.clear()

    def settle_intents(self, landed: Mapping[str, tuple[Status, str | None]]) -> None:
        """Clear the intents resolved at the start, and those whose every version this run's
        own writes (or the listing) show in the intent's target status: nothing left to learn."""
        for intent in self.intents.values():
            target = _TARGET[intent.action]
            if all(landed.get(v) == (target, r) for v, r in intent.versions.items()):
                self.settled.add(intent.intent_id)
        if not self.read_only:
            for intent_id in sorted(self.settled):
                self.ledger.clear_intent(self.package, intent_id)
        self.settled.clear()

    def _keep_concurrent_archives(self) -> None:
        """Never let a save overwrite an archive another run recorded since our ledger read.

        Writes replace whole records, so a record updated only for its publish time carries
        our (possibly stale) archive fields, and a first sighting says "not ours": either would
        erase a concurrent run's "archived by us" (two events of one package in two batches),
        and the guardrail's window would stop counting it. Those versions are re-read first,
        and a stored archive is kept only when it belongs to the same artifact (revision): an
        old artifact's clock never comes back. Our own archives, restores and asset changes are
        facts we just observed, and win.
        """
        check = [v for v in self.updates if v not in self.archive_facts or v in self.first_seen]
        if not check:
            return
        if len(check) > _SINGLE_READS:
            versions = self.ledger.load_package(self.package).versions
            stored = {v: versions.get(v) for v in check}
        else:
            stored = {v: self.ledger.load_version(self.package, v) for v in check}
        for version in check:
            recorded = stored[version]
            ours = self.updates[version]
            if recorded is None or recorded.archived_at is None:
                continue
            if recorded.revision is None or recorded.revision != ours.revision:
                continue
            self.updates[version] = replace(
                ours, archived_at=recorded.archived_at, archived_by_us=recorded.archived_by_us
            )


# ------------------------------------------------------------------------------ publish times


class PublishTimes:
    """Publish times known for this run, where each came from, and the describe budget."""

    def __init__(self, gateway: Gateway, package: PackageRef, max_describes: int) -> None:
        self.gateway = gateway
        self.package = package
        self.max_describes = max_describes
        self.times: dict[str, datetime] = {}
        self.source: dict[str, str] = {}
        self.unavailable: set[str] = set()  # describes that failed: never asked twice in one run
        self.describes = 0

    def know(self, version: str, published: datetime, source: str) -> None:
        self.times[version], self.source[version] = published, source

    def forget(self, version: str) -> None:
        self.times.pop(version, None)
        self.source.pop(version, None)

    def with_times(self, facts: Sequence[VersionFact]) -> list[VersionFact]:
        # Only facts whose time differs are copied: most versions of a package have none yet.
        times = self.times
        return [
            f
            if (known := times.get(f.version)) is None or known == f.published
            else replace(f, published=known)
            for f in facts
        ]

    def describe(self, wanted: Sequence[str]) -> dict[str, datetime]:
        """Describe what the engine asked for, within the budget; the times learnt."""
        learnt: dict[str, datetime] = {}
        for version in wanted:
            if self.describes >= self.max_describes:
                break
            if version in self.times or version in self.unavailable:
                continue
            self.describes += 1
            try:
                published = self.gateway.describe_published(self.package, version)
            except (NotFound, InvalidResponse):
                # Deleted since the listing, or no publish time: leave it undetermined.
                self.unavailable.add(version)
                continue
            self.know(version, published, "describe")
            learnt[version] = published
        return learnt

    @property
    def exhausted(self) -> bool:
        return self.describes >= self.max_describes


# ---------------------------------------------------------------------------------- the run


class _Run:
    """One evaluation: joins the listing with the ledger, runs the engine, then the writes."""

    def __init__(
        self,
        package: PackageRef,
        *,
        document: PolicyDocument,
        gateway: Gateway,
        view: LedgerView,
        now: datetime,
        known_published: Mapping[str, datetime],
        max_describes: int,
        known_origin: OriginConfig | None = None,
    ) -> None:
        self.package = package
        self.known_origin = known_origin
        self.document = document
        self.gateway = gateway
        self.view = view
        self.now = now
        self.known_published = known_published
        self.times = PublishTimes(gateway, package, max_describes)
        self.policy: PackagePolicy | None = None
        self.facts: list[VersionFact] = []
        self.default_version: str | None = None
        self.current_origin: OriginConfig | None = None
        self.archived_at: dict[str, datetime] = {}
        self.archived_by_us: set[str] = set()  # counts against the guardrail's archive window
        self.holds: dict[str, Hold] = {}
        self.notices: dict[str, datetime] = {}  # Archived versions announced in a delivered digest
        self.recovered: list[str] = []
        self.holds_added: dict[str, Hold] = {}
        self.usage: UsageFacts | None = None

    def process(
        self,
        *,
        apply: bool,
        allowed: Mapping[str, PlannedWrite] | None,
        should_stop: Callable[[], bool] | None,
    ) -> PackageResult:
        self.list()
        self.policy = self.document.select(self.package, {fact.origin_type for fact in self.facts})
        if self.policy is not None and self.policy.origin_lock != "off":
            self.current_origin = (
                self.known_origin
                if self.known_origin is not None
                else self.gateway.describe_origin(self.package)
            )
        evaluation = self.evaluate_with_describes()
        self.note_first_seen_archived(evaluation)
        writing = apply and self.document.mode is Mode.ENFORCE
        result = PackageResult(
            evaluation=evaluation,
            applied=writing,
            outcomes={},
            origin_outcome=None,
            describes=self.times.describes,
            sources=self.sources_for(evaluation),
            recovered=self.recovered,
            holds_added=self.holds_added,
        )
        if writing:
            Writer(self, result, allowed, should_stop).run(evaluation)
        if not result.interrupted:
            self.origin(evaluation, result, writing)
        return result

    # ---------------------------------------------------------------------------- facts

    def list(self) -> None:
        listing = self.gateway.list_versions(self.package)
        self.facts = list(listing)
        self.default_version = listing.default_version
        # The ledger is read after the listing, not before: an evaluation of the same package
        # finishing in between (events of one package in two batches) has then recorded its
        # archives, and they are not mistaken for someone else's.
        self.view.load()
        if self._apparent_restores(self.facts):
            # The ledger says we archived a version the listing shows live. Either someone
            # restored it, or the listing predates a concurrent run's archive (it listed, then
            # the other run wrote and saved, then we read the ledger). A listing taken after the
            # ledger read tells the two apart: what it still shows live was restored.
            listing = self.gateway.list_versions(self.package)
            self.facts = list(listing)
            self.default_version = listing.default_version
        self.resolve_intents(self.facts)
        self.join(self.facts)

    def landed(self, result: PackageResult) -> dict[str, tuple[Status, str | None]]:
        """Each version's status and revision as this run leaves it: the listing, then its writes."""
        state = {fact.version: (fact.status, fact.revision) for fact in self.facts}
        for decision in result.evaluation.decisions:
            if result.outcomes.get(decision.version, NOT_ATTEMPTED).done:
                state[decision.version] = (_TARGET[decision.action], decision.revision)
        return state

    def _apparent_restores(self, facts: Sequence[VersionFact]) -> bool:
        for fact in facts:
            if fact.status in (Status.PUBLISHED, Status.UNLISTED):
                stored = self.view.records.get(fact.version)
                if stored is not None and stored.archived_by_us and stored.archived_at is not None:
                    return True
        return any(
            fact.version in intent.versions and fact.status in (Status.PUBLISHED, Status.UNLISTED)
            for intent in self.view.intents.values()
            for fact in facts
        )

    def resolve_intents(self, facts: Sequence[VersionFact]) -> None:
        """An intent still open means a run stopped between announcing a write and recording
        its outcome: a version now in the target status, same artifact, was changed by that
        write, at (about) the intent's time; anything else was not."""
        by_version = {fact.version: fact for fact in facts}
        for intent in sorted(self.view.intents.values(), key=lambda i: (i.at, i.intent_id)):
            target = _TARGET[intent.action]
            for version, revision in sorted(intent.versions.items()):
                fact = by_version.get(version)
                if fact is None or fact.revision != revision or fact.status is not target:
                    continue
                if intent.action is Action.ARCHIVE:
                    self.view.update(version, revision=revision, archived_at=intent.at, archived_by_us=True)
                self.recovered.append(version)
            # An intent lives for one API call of a running process: it is abandoned once every
            # version landed or it is older than any call can take. Clearing a younger one could
            # erase a live run's only record of a write still in flight.
            landed = all(
                (fact := by_version.get(v)) is not None and fact.status is target and fact.revision == r
                for v, r in intent.versions.items()
            )
            if landed or self.now - intent.at >= INTENT_LIFETIME:
                self.view.settled.add(intent.intent_id)

    def join(self, facts: Sequence[VersionFact]) -> None:
        """Ledger facts of the same artifact: publish times, archive clocks, holds."""
        self.archived_at = {}
        self.archived_by_us = set()
        self.holds = {}
        self.notices = {}
        rails = self.document.guardrails
        for fact in facts:
            version = fact.version
            stored = self.view.record(version)
            has_facts = stored.revision is not None or stored.published is not None or stored.archived_at
            if has_facts and (stored.revision is None or stored.revision != fact.revision):
                # Deleted and re-published under the same version (or a record that predates
                # revisions): none of the old facts apply; the clock and the times start over.
                self.view.reset(version, fact.revision)
                if self.times.source.get(version) == "ledger":
                    self.times.forget(version)
                stored = self.view.record(version)
            if version in self.times.times:
                pass
            elif stored.published is not None:
                self.times.know(version, stored.published, "ledger")
            elif version in self.known_published:
                self.times.know(version, self.known_published[version], "event")
                self.view.update(version, revision=fact.revision, published=self.known_published[version])
            if fact.status in (Status.ARCHIVED, Status.DISPOSED) and stored.archived_at is not None:
                self.archived_at[version] = stored.archived_at
                if stored.archived_by_us:
                    self.archived_by_us.add(version)
                if stored.noticed_at is not None:
                    self.notices[version] = stored.noticed_at
            elif fact.status in (Status.PUBLISHED, Status.UNLISTED) and stored.archived_at is not None:
                # Moved back since we recorded the archive. If the archive was ours, someone
                # restored it on purpose: hold it rather than fight them.
                # A notice announced the disposal of that archive, not of a later one.
                changes: dict[str, Any] = {
                    "archived_at": None,
                    "archived_by_us": False,
                    "noticed_at": None,
                    "notice_id": None,
                }
                if stored.archived_by_us and not stored.hold_active(self.now):
                    hold = Hold(
                        reason=f"restored by someone else after this tool archived it "
                        f"({iso(stored.archived_at)}); automatic hold (guardrails.restore_hold)",
                        until=self.now + rails.restore_hold,
                    )
                    changes.update(held_until=hold.until, hold_reason=hold.reason)
                    self.holds_added[version] = hold
                self.view.update(version, **changes)
                stored = self.view.record(version)
            if stored.hold_reason is not None:
                self.holds[version] = Hold(reason=stored.hold_reason, until=stored.held_until)

    def prepare(self, facts: Sequence[VersionFact]) -> PreparedEvaluation:
        return prepare(
            self.package,
            self.times.with_times(facts),
            self.policy,
            self.document.guardrails,
            self.now,
            archived_at=self.archived_at,
            current_origin=self.current_origin,
            archived_by_us=self.archived_by_us,
            holds=self.holds,
            default_version=self.default_version,
            notices=self.notices,
            usage=self.usage_facts(),
        )

    def evaluate(self, facts: Sequence[VersionFact]) -> Evaluation:
        return self.prepare(facts).evaluation()

    def usage_facts(self) -> UsageFacts | None:
        """Download facts, read only for a policy with usage rules (one small stream read)."""
        if self.policy is None or not self.policy.uses_usage:
            return None
        if self.usage is None:
            from ca_lifecycle.app.usage import usage_facts

            self.usage = usage_facts(
                self.view.ledger, self.package, self.view.records, self.document.usage.max_silence
            )
        return self.usage

    def evaluate_with_describes(self) -> Evaluation:
        """The engine's FactRequest loop: describe what it asks for, within the budget.

        The versions are ranked once and decided once: each round only asks the prepared
        evaluation what it still needs (the binary search narrows one publish-order range).
        """
        by_version = {fact.version: fact for fact in self.facts}
        prepared = self.prepare(self.facts)
        while not self.times.exhausted:
            needs = prepared.needs()
            if needs is None:
                break
            learnt = self.times.describe(needs.versions)
            if not learnt:
                break  # nothing new to learn: stop rather than spin; the engine skips those versions
            for version, published in learnt.items():
                prepared.learn(version, published)
                fact = by_version.get(version)
                self.view.update(version, revision=fact.revision if fact else None, published=published)
        return prepared.evaluation()

    def note_first_seen_archived(self, evaluation: Evaluation) -> None:
        revisions = {d.version: d.revision for d in evaluation.decisions}
        for version in evaluation.record_archived:
            if version not in self.archived_at:
                self.archived_at[version] = self.now
                # With its revision: a later artifact under this version string starts over.
                self.view.update(
                    version, revision=revisions.get(version), archived_at=self.now, archived_by_us=False
                )
                self.view.first_seen.add(version)

    def sources_for(self, evaluation: Evaluation) -> dict[str, str]:
        ages = _uses_ages(self.policy)
        sources: dict[str, str] = {}
        for decision in evaluation.decisions:
            version = decision.version
            if version in self.times.source:
                sources[version] = self.times.source[version]
            elif ages and decision.rule != "missing-fact":
                sources[version] = "inferred"
            else:
                sources[version] = "unknown"
        return sources

    def resync(self, result: PackageResult) -> Evaluation:
        """Re-list once after a concurrent change and re-evaluate on the fresh state."""
        result.resynced = True
        listing = self.gateway.list_versions(self.package)
        self.default_version = listing.default_version
        self.join(listing)
        evaluation = self.evaluate(listing)
        self.note_first_seen_archived(evaluation)
        return evaluation

    # ---------------------------------------------------------------------------- origin

    def origin(self, evaluation: Evaluation, result: PackageResult, writing: bool) -> None:
        target = evaluation.origin_target
        if target is None:
            return
        if target == self.current_origin:
            result.origin_outcome = UNCHANGED
        elif not writing:
            result.origin_outcome = PLANNED
        else:
            try:
                self.gateway.put_origin(self.package, target)
            except GatewayError as exc:
                if _transient(exc):
                    raise
                result.origin_outcome = failed(exc.code, exc.message)
            else:
                result.origin_outcome = DONE


# -------------------------------------------------------------------------------- writes


class Writer:
    """Archive (Published and Unlisted are separate expectedStatus groups), then dispose.

    Each chunk of at most 100 versions is announced in the ledger (an intent) before the call
    and its outcome saved after it, so a kill mid-call loses nothing: the next run resolves the
    intent. After a MISMATCHED_* answer the package is re-listed once and re-evaluated; the
    remaining chunks then carry only versions the fresh evaluation still wants the same action
    for, in the same status: never more than the original plan, never over a concurrent change.
    With ``allowed``, a write the confirmation did not list is never made.
    """

    def __init__(
        self,
        run: _Run,
        result: PackageResult,
        allowed: Mapping[str, PlannedWrite] | None,
        should_stop: Callable[[], bool] | None,
    ) -> None:
        self.job = run
        self.result = result
        self.allowed = allowed
        self.should_stop = should_stop
        self.fresh: dict[str, Decision] | None = None

    def run(self, evaluation: Evaluation) -> None:
        self._report_changed_since_confirmation(evaluation)
        groups: list[tuple[Action, Status]] = [
            (Action.ARCHIVE, Status.PUBLISHED),
            (Action.ARCHIVE, Status.UNLISTED),
            (Action.DISPOSE, Status.ARCHIVED),
        ]
        for action, expected in groups:
            planned = sorted(
                (d for d in evaluation.actions(action) if d.status is expected and self._confirmed(d)),
                key=lambda d: d.version,
            )
            for start in range(0, len(planned), WRITE_CHUNK):
                if self.should_stop is not None and self.should_stop():
                    self.result.interrupted = True
                    return
                todo = self._still_wanted(planned[start : start + WRITE_CHUNK], action, expected)
                if not todo:
                    continue
                write = self._write(action, expected, todo)
                if write is None:
                    # The call itself failed (access denied, quota): the rest of the group would
                    # fail alike, so it is reported for them without spending more calls.
                    failure = self.result.outcomes[next(iter(todo))]
                    for decision in planned[start + WRITE_CHUNK :]:
                        self.result.outcomes.setdefault(decision.version, failure)
                    break
                if write.mismatched and self.fresh is None:
                    self.fresh = {d.version: d for d in self.job.resync(self.result).decisions}

    def _confirmed(self, decision: Decision) -> bool:
        if self.allowed is None:
            return True
        planned = self.allowed.get(decision.version)
        if planned == PlannedWrite(decision.action, decision.status, decision.revision or ""):
            return True
        # A confirmed version that changed since already says how (see below).
        self.result.outcomes.setdefault(
            decision.version, skipped(None, "not in the confirmed plan: not written")
        )
        return False

    def _report_changed_since_confirmation(self, evaluation: Evaluation) -> None:
        if self.allowed is None:
            return
        decisions = {d.version: d for d in evaluation.decisions}
        for version, planned in sorted(self.allowed.items()):
            decision = decisions.get(version)
            if decision is None:
                self.result.outcomes[version] = skipped(None, "changed since the plan: no longer listed")
            elif (decision.action, decision.status, decision.revision) != (
                planned.action,
                planned.status,
                planned.revision,
            ):
                self.result.outcomes[version] = skipped(
                    None,
                    f"changed since the plan: now {decision.status.value}, revision "
                    f"{decision.revision}, decided {decision.action.value} ({decision.reason})",
                )

    def _still_wanted(self, chunk: Sequence[Decision], action: Action, expected: Status) -> dict[str, str]:
        todo: dict[str, str] = {}
        for decision in chunk:
            current = decision if self.fresh is None else self.fresh.get(decision.version)
            if current is None or current.action is not action or current.status is not expected:
                now_status = "gone" if current is None else current.status.value
                self.result.outcomes[decision.version] = skipped(
                    None, f"changed concurrently (now {now_status})"
                )
            elif current.revision is None:
                self.result.outcomes[decision.version] = skipped(None, "no revision in the listing")
            else:
                todo[decision.version] = current.revision
        return todo

    def _write(self, action: Action, expected: Status, todo: dict[str, str]) -> WriteResult | None:
        """One guarded write, announced first; None when the call itself failed."""
        run, result = self.job, self.result
        intent = Intent(uuid.uuid4().hex, action, expected, dict(todo), run.now)
        run.view.begin_write(intent)
        try:
            if action is Action.ARCHIVE:
                write = run.gateway.update_status(run.package, todo, expected, Status.ARCHIVED)
            else:
                write = run.gateway.dispose(run.package, todo, expected)
        except GatewayError as exc:
            for version in todo:
                result.outcomes[version] = failed(exc.code, exc.message)
            if _transient(exc):
                # It may have landed (a 5xx after the change): the intent stays open for the
                # retry to resolve against the listing.
                run.view.save()
                raise
            run.view.end_write(intent)
            return None
        for version in write.succeeded:
            result.outcomes[version] = DONE
            if action is Action.ARCHIVE:
                run.archived_at[version] = run.now
                run.archived_by_us.add(version)
                run.view.update(version, revision=todo[version], archived_at=run.now, archived_by_us=True)
        for version, (code, message) in write.failed.items():
            verdict = skipped if code in _CONCURRENT_CODES else failed
            result.outcomes[version] = verdict(code, message)
        run.view.save()
        run.view.end_write(intent)
        return write


def _transient(exc: GatewayError) -> bool:
    return isinstance(exc, Throttled | Unreachable) or exc.code in _TRANSIENT_CODES


def _uses_ages(policy: PackagePolicy | None) -> bool:
    if policy is None:
        return False
    return any(rule.published_within is not None for rule in policy.protect) or any(
        condition.published_before is not None for condition in policy.archive
    )
