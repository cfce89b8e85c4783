"""Evaluate one package and (optionally) apply the decisions: the single code path shared by the
worker, sweep work items, the CLI's ``plan``/``apply`` and the demo.

Flow: ledger → ListPackageVersions → publish times (ledger cache, then the event, then as few
DescribePackageVersion calls as the engine asks for: a binary search) → engine → guarded
writes → ledger. Dry-run (``apply=False`` or ``mode: dry-run``) makes the same decisions and
no mutating CodeArtifact call; it still caches publish times and first-seen archive times in
the ledger, because those are observations, not actions, and they make the next run cheaper.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from ca_lifecycle.engine import Decision, Evaluation, evaluate
from ca_lifecycle.facts import Action, OriginConfig, PackageRef, Status, VersionFact
from ca_lifecycle.gateway import (
    MISMATCH_CODES,
    WRITE_CHUNK,
    CodeArtifactGateway,
    GatewayError,
    InvalidResponse,
    NotFound,
    Throttled,
    Unreachable,
    WriteResult,
)
from ca_lifecycle.ledger import Ledger, VersionRecord
from ca_lifecycle.policy import Mode, PackagePolicy, PolicyDocument

_EMPTY: Mapping[str, datetime] = MappingProxyType({})
# Above this many versions to re-read before a save, one package query beats single reads.
_SINGLE_READS = 25

DONE = "done"
# A write interrupted by one of these is re-raised after the ledger is saved: the caller
# (SQS redelivery, a CLI re-run) retries the whole package, which is idempotent.
_TRANSIENT_CODES = frozenset({"InternalServerException", "ServiceUnavailableException"})
# Per-version answers meaning "someone else changed or deleted it since we listed": skipped, not failed.
_CONCURRENT_CODES = MISMATCH_CODES | {"NOT_FOUND"}


@dataclass
class PackageResult:
    evaluation: Evaluation
    applied: bool  # False in dry-run / plan
    outcomes: dict[str, str]  # version -> "done" | "skipped: …" | "failed: …" (only for actions attempted)
    origin_outcome: str | None  # "done" | "unchanged" | "planned" | "failed: …" | None
    describes: int  # DescribePackageVersion calls spent
    sources: dict[str, str]  # version -> "ledger" | "event" | "describe" | "inferred" | "unknown"
    resynced: bool = False  # a concurrent change forced a re-list during the writes

    @property
    def current_origin(self) -> OriginConfig | None:
        """The origin configuration read before acting (None when the policy leaves origins alone)."""
        return self.evaluation.current_origin

    @property
    def package(self) -> PackageRef:
        return self.evaluation.package

    @property
    def failed(self) -> dict[str, str]:
        """Attempted actions that failed (not the concurrent-change skips): apply exits 1 on these."""
        failed = {v: o for v, o in self.outcomes.items() if o.startswith("failed")}
        if self.origin_outcome and self.origin_outcome.startswith("failed"):
            failed["<origin>"] = self.origin_outcome
        return failed

    def counts(self) -> dict[str, int]:
        """Decisions per action, plus what was actually done."""
        counts = {action.value: 0 for action in Action}
        for decision in self.evaluation.decisions:
            counts[decision.action.value] += 1
        counts["done"] = sum(1 for o in self.outcomes.values() if o == DONE)
        counts["failed"] = sum(1 for o in self.outcomes.values() if o.startswith("failed"))
        counts["skipped_concurrent"] = sum(1 for o in self.outcomes.values() if o.startswith("skipped"))
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
            if self.applied and decision.action in (Action.ARCHIVE, Action.DISPOSE):
                row["outcome"] = self.outcomes.get(decision.version, "not attempted")
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
            entry["outcome"] = self.origin_outcome
        return entry

    def to_json(self) -> dict[str, Any]:
        return {"decisions": self.decision_dicts(), "origin": self.origin_dict()}


def process_package(
    package: PackageRef,
    *,
    document: PolicyDocument,
    gateway: CodeArtifactGateway,
    ledger: Ledger,
    now: datetime,
    apply: bool,
    known_published: Mapping[str, datetime] = _EMPTY,
    max_describes: int = 40,
    sequence: int | None = None,
) -> PackageResult:
    """Evaluate ``package`` against ``document`` and, when ``apply`` and ``mode: enforce``, act.

    ``known_published``: publish times the caller already knows (the publish event's time).
    ``sequence``: the newest event sequence number this evaluation covers, kept in the ledger.
    """
    run = _Run(
        package, document=document, gateway=gateway, ledger=ledger, now=now, known_published=known_published
    )
    try:
        result = _process(run, apply=apply, max_describes=max_describes)
    except BaseException:
        # Keep what was learnt (publish times) and done (archive times) for the retry.
        run.save_versions()
        raise
    run.save_versions()
    ledger.record_evaluation(package, now, sequence)
    return result


def _process(run: _Run, *, apply: bool, max_describes: int) -> PackageResult:
    run.facts = run.gateway.list_versions(run.package)
    # The ledger is read after the listing, not before: an evaluation of the same package
    # finishing in between (events of one package in two batches) has then recorded its
    # archives, and they are not mistaken for someone else's.
    run.load()
    run.policy = run.document.select(run.package, {fact.origin_type for fact in run.facts})
    run.fill_times(run.facts)
    if run.policy is not None and run.policy.origin_lock != "off":
        run.current_origin = run.gateway.describe_origin(run.package)
    evaluation = run.evaluate_with_describes(max_describes)
    run.note_first_seen_archived(evaluation)
    writing = apply and run.document.mode is Mode.ENFORCE
    result = PackageResult(
        evaluation=evaluation,
        applied=writing,
        outcomes={},
        origin_outcome=None,
        describes=run.describes,
        sources=run.sources_for(evaluation),
    )
    if writing:
        run.apply(evaluation, result)
    _origin(run, evaluation, result, writing)
    return result


def _origin(run: _Run, evaluation: Evaluation, result: PackageResult, writing: bool) -> None:
    target = evaluation.origin_target
    if target is None:
        return
    if target == run.current_origin:
        result.origin_outcome = "unchanged"
    elif not writing:
        result.origin_outcome = "planned"
    else:
        try:
            run.gateway.put_origin(run.package, target)
        except GatewayError as exc:
            if _transient(exc):
                raise
            result.origin_outcome = f"failed: {exc.code} {exc.message}"
        else:
            result.origin_outcome = DONE


def _transient(exc: GatewayError) -> bool:
    return isinstance(exc, Throttled | Unreachable) or exc.code in _TRANSIENT_CODES


def _uses_ages(policy: PackagePolicy | None) -> bool:
    if policy is None:
        return False
    return any(rule.published_within is not None for rule in policy.protect) or any(
        condition.published_before is not None for condition in policy.archive
    )


class _Run:
    """The mutable state of one evaluation: known times, ledger updates, describe budget."""

    def __init__(
        self,
        package: PackageRef,
        *,
        document: PolicyDocument,
        gateway: CodeArtifactGateway,
        ledger: Ledger,
        now: datetime,
        known_published: Mapping[str, datetime],
    ) -> None:
        self.package = package
        self.document = document
        self.gateway = gateway
        self.ledger = ledger
        self.now = now
        self.known_published = known_published
        self.policy: PackagePolicy | None = None
        self.facts: list[VersionFact] = []
        self.records: dict[str, VersionRecord] = {}
        self.updates: dict[str, VersionRecord] = {}
        self.times: dict[str, datetime] = {}
        self.time_source: dict[str, str] = {}
        self.unavailable: set[str] = set()  # describes that failed: never asked twice in one run
        self.archived_at: dict[str, datetime] = {}
        self.archived_by_us: set[str] = set()  # counts against the guardrail's archive window
        self.first_seen: set[str] = set()  # archive times set by this run's first sighting
        self.archive_facts: set[str] = set()  # versions whose archive fields this run set
        self.current_origin: OriginConfig | None = None
        self.describes = 0

    # ------------------------------------------------------------------------------- ledger

    def load(self) -> None:
        self.records = dict(self.ledger.load_package(self.package).versions)

    def record(self, version: str) -> VersionRecord:
        return self.updates.get(version) or self.records.get(version) or VersionRecord()

    def update(self, version: str, **changes: Any) -> None:
        current = self.record(version)
        changed = replace(current, **changes)
        if changed != current:
            self.updates[version] = changed
        if "archived_at" in changes:
            self.archive_facts.add(version)

    def save_versions(self) -> None:
        if self.updates:
            self._keep_concurrent_archives()
            self.ledger.record_versions(self.package, self.updates)
            self.records.update(self.updates)
            self.updates = {}  # saved: a second call (error path after success) writes nothing
        self.first_seen.clear()
        self.archive_facts.clear()

    def _keep_concurrent_archives(self) -> None:
        """Never let a save overwrite an archive another run recorded since our ledger read.

        Writes replace whole records, so a record updated only for its publish time carries
        our (possibly stale) archive fields, and a first sighting says "not ours": either would
        erase a concurrent run's "archived by us" (two events of one package in two batches),
        and the guardrail's window would stop counting it. Those versions are re-read first;
        our own archives, restores and asset changes are facts we just observed, and win.
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
            if recorded is None or (version in self.first_seen and recorded.archived_at is None):
                continue
            self.updates[version] = replace(
                self.updates[version],
                archived_at=recorded.archived_at,
                archived_by_us=recorded.archived_by_us,
            )

    # -------------------------------------------------------------------------------- facts

    def fill_times(self, facts: Sequence[VersionFact]) -> None:
        """Publish times from the ledger cache (same revision), else the event; archive times."""
        self.archived_at = {}
        self.archived_by_us = set()
        for fact in facts:
            version = fact.version
            stored = self.record(version)
            same_asset = stored.revision is None or fact.revision is None or stored.revision == fact.revision
            if version in self.times:
                pass
            elif stored.published is not None and same_asset:
                self.times[version], self.time_source[version] = stored.published, "ledger"
            elif version in self.known_published:
                self.times[version], self.time_source[version] = self.known_published[version], "event"
                self.update(version, revision=fact.revision, published=self.known_published[version])
            if not same_asset:
                # Deleted and re-published under the same version: nothing cached applies.
                self.update(version, revision=fact.revision, archived_at=None, archived_by_us=False)
                if self.time_source.get(version) == "ledger":
                    del self.times[version], self.time_source[version]
            stored = self.record(version)
            if fact.status in (Status.ARCHIVED, Status.DISPOSED) and stored.archived_at is not None:
                self.archived_at[version] = stored.archived_at
                if stored.archived_by_us:
                    self.archived_by_us.add(version)
            elif fact.status in (Status.PUBLISHED, Status.UNLISTED) and stored.archived_at is not None:
                # Restored since we recorded the archive: a later archive starts a new clock.
                self.update(version, archived_at=None, archived_by_us=False)

    def with_times(self, facts: Sequence[VersionFact]) -> list[VersionFact]:
        return [replace(f, published=self.times.get(f.version, f.published)) for f in facts]

    def evaluate(self, facts: Sequence[VersionFact]) -> Evaluation:
        return evaluate(
            self.package,
            self.with_times(facts),
            self.policy,
            self.document.guardrails,
            self.now,
            archived_at=self.archived_at,
            current_origin=self.current_origin,
            archived_by_us=self.archived_by_us,
        )

    def evaluate_with_describes(self, max_describes: int) -> Evaluation:
        """The engine's FactRequest loop: describe what it asks for, within the budget."""
        by_version = {fact.version: fact for fact in self.facts}
        evaluation = self.evaluate(self.facts)
        while evaluation.needs is not None and self.describes < max_describes:
            wanted = [
                v for v in evaluation.needs.versions if v not in self.times and v not in self.unavailable
            ]
            if not wanted:
                break  # nothing new to learn: stop rather than spin; the engine skips those versions
            for version in wanted[: max_describes - self.describes]:
                self.describes += 1
                try:
                    published = self.gateway.describe_published(self.package, version)
                except (NotFound, InvalidResponse):
                    # Deleted since the listing, or no publish time: leave it undetermined.
                    self.unavailable.add(version)
                    continue
                self.times[version], self.time_source[version] = published, "describe"
                fact = by_version.get(version)
                self.update(version, revision=fact.revision if fact else None, published=published)
            evaluation = self.evaluate(self.facts)
        return evaluation

    def note_first_seen_archived(self, evaluation: Evaluation) -> None:
        for version in evaluation.record_archived:
            if version not in self.archived_at:
                self.archived_at[version] = self.now
                self.update(version, archived_at=self.now, archived_by_us=False)
                self.first_seen.add(version)

    def sources_for(self, evaluation: Evaluation) -> dict[str, str]:
        ages = _uses_ages(self.policy)
        sources: dict[str, str] = {}
        for decision in evaluation.decisions:
            version = decision.version
            if version in self.time_source:
                sources[version] = self.time_source[version]
            elif ages and decision.rule != "missing-fact":
                sources[version] = "inferred"
            else:
                sources[version] = "unknown"
        return sources

    # ------------------------------------------------------------------------------- writes

    def apply(self, evaluation: Evaluation, result: PackageResult) -> None:
        """Archive (Published and Unlisted are separate expectedStatus groups), then dispose.

        After a MISMATCHED_* answer we re-list once and re-evaluate; the remaining groups then
        only carry versions the fresh evaluation still wants the same action for, in the same
        status: never more than the original plan, never over a concurrent change.
        """
        groups: list[tuple[Action, Status]] = [
            (Action.ARCHIVE, Status.PUBLISHED),
            (Action.ARCHIVE, Status.UNLISTED),
            (Action.DISPOSE, Status.ARCHIVED),
        ]
        fresh: dict[str, Decision] | None = None
        for action, expected in groups:
            planned = sorted(
                (d for d in evaluation.actions(action) if d.status is expected), key=lambda d: d.version
            )
            # One write call per chunk, and the ledger saved after each: were the process killed
            # (a Lambda timeout) mid-way, the retry still knows which archives were ours, so
            # max_archive_fraction's window holds across the two runs.
            for start in range(0, len(planned), WRITE_CHUNK):
                todo: dict[str, str] = {}
                for decision in planned[start : start + WRITE_CHUNK]:
                    current = decision if fresh is None else fresh.get(decision.version)
                    if current is None or current.action is not action or current.status is not expected:
                        now_status = "gone" if current is None else current.status.value
                        result.outcomes[decision.version] = (
                            f"skipped: changed concurrently (now {now_status})"
                        )
                    elif current.revision is None:
                        result.outcomes[decision.version] = "skipped: no revision in the listing"
                    else:
                        todo[decision.version] = current.revision
                if not todo:
                    continue
                write = self._write(action, expected, todo, result)
                self.save_versions()
                if write is None:
                    # The call itself failed (access denied, quota): the rest of the group would
                    # fail alike, so it is reported for them without spending more calls.
                    failure = result.outcomes[next(iter(todo))]
                    for decision in planned[start + WRITE_CHUNK :]:
                        result.outcomes.setdefault(decision.version, failure)
                    break
                if write.mismatched and fresh is None:
                    fresh = {d.version: d for d in self.resync(result).decisions}

    def _write(
        self, action: Action, expected: Status, todo: dict[str, str], result: PackageResult
    ) -> WriteResult | None:
        """One guarded write; None when the call itself failed (outcomes say how)."""
        try:
            if action is Action.ARCHIVE:
                write = self.gateway.update_status(self.package, todo, expected, Status.ARCHIVED)
            else:
                write = self.gateway.dispose(self.package, todo, expected)
        except GatewayError as exc:
            for version in todo:
                result.outcomes[version] = f"failed: {exc.code} {exc.message}"
            if _transient(exc):
                raise
            return None
        for version in write.succeeded:
            result.outcomes[version] = DONE
            if action is Action.ARCHIVE:
                self.archived_at[version] = self.now
                self.archived_by_us.add(version)
                self.update(version, revision=todo[version], archived_at=self.now, archived_by_us=True)
        for version, (code, message) in write.failed.items():
            verdict = "skipped" if code in _CONCURRENT_CODES else "failed"
            result.outcomes[version] = f"{verdict}: {code} {message}".rstrip()
        return write

    def resync(self, result: PackageResult) -> Evaluation:
        """Re-list once after a concurrent change and re-evaluate on the fresh state."""
        result.resynced = True
        facts = self.gateway.list_versions(self.package)
        self.fill_times(facts)
        evaluation = self.evaluate(facts)
        self.note_first_seen_archived(evaluation)
        return evaluation
