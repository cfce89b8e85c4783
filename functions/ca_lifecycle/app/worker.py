"""The worker's use case: one SQS batch of CodeArtifact events and sweep work items.

Per batch: parse every record (a malformed one fails alone), group the rest by package,
evaluate each package once (``process_package``), and say per record whether it failed;
the handler turns that into Powertools' partial batch response and the metrics.

Deduplication is a conditional put on the ledger keyed by CodeArtifact's
``eventDeduplicationId``, written only after the package was processed: a failure or a
timeout mid-evaluation leaves no claim, so SQS redelivers and nothing is dropped
(docs/decisions.md, "Why the ledger dedupes"). Ordering: an event at or below the package's
last evaluated sequence number, and no newer than that evaluation, carries nothing new.
Our own writes come back as events; those the ledger already records are settled with one
ledger read per package of the batch instead of a full evaluation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ca_lifecycle.app.dependencies import Dependencies
from ca_lifecycle.app.scope import ANY_ORIGIN, claimable_summaries
from ca_lifecycle.events import CodeArtifactEvent
from ca_lifecycle.facts import OriginConfig, PackageRef, Restriction, Status
from ca_lifecycle.gateway import InvalidResponse, NotFound
from ca_lifecycle.ledger import VersionRecord, package_key
from ca_lifecycle.messages import (
    MAX_REPOSITORY_PAGES,
    InvalidMessage,
    PackageWorkItem,
    RepositoryPageItem,
    UnsupportedEvent,
    WorkMessage,
    parse_work_message,
)
from ca_lifecycle.observability import logger

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ca_lifecycle.app.package import PackageResult

# Time kept in hand before starting another package or page (see WorkerBatch._out_of_time).
DEADLINE_RESERVE_MS = 30_000


@dataclass
class BatchReport:
    """What one batch did, for the handler's metrics and logs."""

    results: list[PackageResult] = field(default_factory=list)
    deduplicated: int = 0  # duplicate deliveries skipped
    stale: int = 0  # events an evaluation already covered
    settled: int = 0  # status events the ledger already knew (our own writes)
    failed_packages: int = 0  # evaluations that raised (their records are retried)
    ignored: int = 0  # events of a format, state or operation this release does not handle


@dataclass
class _PackageGroup:
    """All records of one batch that concern one package: evaluated once, succeed or fail together."""

    package: PackageRef
    events: list[tuple[str, CodeArtifactEvent]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # message ids of "package" work items
    origin: OriginConfig | None = None  # as the sweep's ListPackages page listed it

    @property
    def message_ids(self) -> list[str]:
        return [message_id for message_id, _ in self.events] + self.items

    @property
    def correlation_id(self) -> str:
        return self.events[0][1].id if self.events else self.items[0]


class DeadlineError(RuntimeError):
    """Not started: too little of the invocation was left. The record is retried, not lost."""


class WorkerBatch:
    """One invocation's records: planned, run, and then settled record by record."""

    def __init__(
        self,
        records: Sequence[Mapping[str, Any]],
        dependencies: Dependencies,
        remaining_ms: Callable[[], int] | None = None,
    ) -> None:
        self.deps = dependencies
        # Lambda's clock (context.get_remaining_time_in_millis); None = no deadline (CLI, tests).
        self.remaining_ms = remaining_ms
        self.longest_ms = 0.0
        self.failures: dict[str, Exception] = {}
        self.report = BatchReport()
        self.groups: dict[str, _PackageGroup] = {}
        self.pages: list[tuple[str, RepositoryPageItem]] = []
        for record in records:
            message_id = str(record.get("messageId", ""))
            try:
                message = parse_work_message(str(record.get("body", "")))
            except UnsupportedEvent as exc:
                # A format or state AWS added since this release: retrying cannot help.
                logger.info(
                    "event not handled by this release: dropped",
                    extra={"message_id": message_id, "reason": str(exc)},
                )
                self.report.ignored += 1
                continue
            except InvalidMessage as exc:
                logger.error(
                    "malformed message",
                    extra={"message_id": message_id, "field": exc.field, "error": str(exc)},
                )
                self.failures[message_id] = exc
                continue
            except Exception as exc:
                # Any other surprise in one body must still fail that record alone: an
                # exception escaping here would fail the whole batch, good records included.
                logger.exception("unreadable message", extra={"message_id": message_id})
                self.failures[message_id] = exc
                continue
            self._add(message_id, message)

    def _add(self, message_id: str, message: WorkMessage) -> None:
        if isinstance(message, RepositoryPageItem):
            self.pages.append((message_id, message))
            return
        package = message.package_ref()
        group = self.groups.setdefault(package_key(package), _PackageGroup(package))
        if isinstance(message, CodeArtifactEvent):
            group.events.append((message_id, message))
        else:
            group.items.append(message_id)
            group.origin = message.known_origin() or group.origin

    # ------------------------------------------------------------------------------ running

    def _out_of_time(self, message_ids: Sequence[str]) -> bool:
        """Whether to leave a unit of work for a retry rather than risk the Lambda timeout.

        A timeout fails every record of the batch (the finished ones too) and kills a package
        mid-write before the ledger records what was archived; a record failed here is simply
        redelivered. The reserve is the longest unit seen in this batch twice over, at least
        ``DEADLINE_RESERVE_MS``.
        """
        if self.remaining_ms is None:
            return False
        if self.remaining_ms() >= max(DEADLINE_RESERVE_MS, 2 * self.longest_ms):
            return False
        logger.warning(
            "too little time left; records left for a retry", extra={"message_ids": list(message_ids)}
        )
        for message_id in message_ids:
            self.failures[message_id] = DeadlineError(
                "left for a retry: the invocation was nearly out of time"
            )
        return True

    def _timed(self, started: float) -> None:
        self.longest_ms = max(self.longest_ms, (time.monotonic() - started) * 1000)

    def run(self) -> BatchReport:
        for group in self.groups.values():
            if self._out_of_time(group.message_ids):
                continue
            logger.set_correlation_id(group.correlation_id)
            started = time.monotonic()
            try:
                self._run_group(group)
            except Exception as exc:
                self.report.failed_packages += 1
                logger.exception(
                    "package failed; its records will be retried",
                    extra={"package": group.package.display(), "message_ids": group.message_ids},
                )
                for message_id in group.message_ids:
                    self.failures[message_id] = exc
            self._timed(started)
        for message_id, page in self.pages:
            if self._out_of_time([message_id]):
                continue
            logger.set_correlation_id(message_id)
            started = time.monotonic()
            try:
                self._run_page(page)
            except Exception as exc:
                logger.exception(
                    "repository page failed; it will be retried",
                    extra={"message_id": message_id, "repository": page.repository},
                )
                self.failures[message_id] = exc
            self._timed(started)
        return self.report

    def _run_group(self, group: _PackageGroup) -> None:
        deps, package = self.deps, group.package
        now = deps.clock()
        seen: set[str] = set()
        fresh: list[CodeArtifactEvent] = []
        for _, event in group.events:
            dedupe_id = event.detail.event_deduplication_id
            if dedupe_id in seen or deps.ledger.event_claimed(dedupe_id, now):
                self.report.deduplicated += 1
                logger.info("duplicate event skipped", extra={"event_id": event.id, "dedupe_id": dedupe_id})
                continue
            seen.add(dedupe_id)
            fresh.append(event)
        if not fresh and not group.items:
            return
        if deps.document.select(package, ANY_ORIGIN) is None:
            # The rule routes the whole domain (upstream-cached public packages too): a package
            # no policy can claim costs no CodeArtifact call. Claimed, so duplicates skip too.
            logger.debug("package out of scope", extra={"package": package.display()})
            self._claim(fresh, now)
            return
        live = fresh
        if fresh:
            last, evaluated = deps.ledger.package_summary(package)
            live = [e for e in fresh if not _covered(e, last, evaluated)]
            stale = len(fresh) - len(live)
            if stale:
                self.report.stale += stale
                logger.info("stale events skipped", extra={"count": stale, "last_sequence": last})
        if live and not group.items and _echoes_settled(live, deps):
            # Every event reports a state the ledger already holds (typically the events of
            # our own archive and dispose writes): evaluating would list the package only to
            # find nothing to do. Their sequence is NOT recorded: a change made by someone
            # else between our listing and our write may carry a lower number.
            self.report.settled += len(live)
            logger.info(
                "events of known state settled",
                extra={"count": len(live), "reason": "the ledger already records these statuses"},
            )
            self._claim(fresh, now)
            return
        if live or group.items:
            # process_package writes the package summary once, after success, with the newest
            # sequence covered: a failed evaluation never makes its own retry look stale.
            # Only given when known: a sweep item's listed origin spares the DescribePackage.
            origin: dict[str, OriginConfig] = {} if group.origin is None else {"known_origin": group.origin}
            try:
                result = deps.process_package(
                    package,
                    document=deps.document,
                    gateway=deps.gateway,
                    ledger=deps.ledger,
                    now=now,
                    apply=True,
                    known_published=_published_times(fresh),
                    sequence=max((e.detail.sequence_number for e in live), default=None),
                    **origin,
                )
            except NotFound as exc:
                # The package (or its repository) is gone: deleted since the event or the
                # sweep's listing. Nothing is left to decide; failing would only send its
                # records to the DLQ (process_package raises before any write).
                logger.info(
                    "package no longer exists", extra={"package": package.display(), "error": str(exc)}
                )
                self._claim(fresh, now)
                return
            self.report.results.append(result)
        self._claim(fresh, now)

    def _claim(self, events: Sequence[CodeArtifactEvent], now: datetime) -> None:
        for event in events:
            # False means a concurrent delivery finished first: equally done.
            self.deps.ledger.claim_event(event.detail.event_deduplication_id, now)

    def _run_page(self, page: RepositoryPageItem) -> None:
        deps = self.deps
        unlocked = Restriction.ALLOW if page.unlocked_only else None
        summaries, next_token = deps.gateway.list_packages_page(
            page.domain,
            page.domain_owner,
            page.repository,
            page.next_token,
            publish=unlocked,
            upstream=unlocked,
        )
        items: list[BaseModel] = [
            PackageWorkItem.for_package(summary.package, summary.origin)
            for summary in claimable_summaries(deps.document, summaries)
        ]
        deps.queue.send(items)
        # The next page goes out only once every package item is queued, in its own call: were
        # it in a batch whose other entries failed, this record's retry would enqueue it again
        # and the rest of the repository would be listed twice (and again on every such retry).
        if next_token:
            if page.page + 1 >= MAX_REPOSITORY_PAGES:
                raise InvalidResponse(
                    "InvalidResponse",
                    "ListPackages",
                    f"nextToken: still paging after {MAX_REPOSITORY_PAGES} pages of "
                    f"{page.domain}/{page.repository}",
                )
            deps.queue.send([page.model_copy(update={"next_token": next_token, "page": page.page + 1})])
        logger.info(
            "repository page enqueued",
            extra={
                "repository": page.repository,
                "listed": len(summaries),
                "packages_enqueued": len(items),
                "more_pages": bool(next_token),
            },
        )

    # ------------------------------------------------------------------------------ settling

    def settle(self, message_id: str) -> None:
        """Re-raise the record's failure, if any (BatchProcessor's record handler calls this)."""
        failure = self.failures.get(message_id)
        if failure is not None:
            raise failure


def _echoes_settled(events: Sequence[CodeArtifactEvent], deps: Dependencies) -> bool:
    """Whether every event of one package only reports a status change the ledger already knows.

    Cheapest first: one event that is no Archived/Disposed update means the package is
    evaluated anyway, so nothing is read. Otherwise one ledger read for the whole group: a
    single version's record, or the package's records once for several (the events of one
    archive write arrive together, one per version). Same verdict as ``_settled_by_ledger`` on
    each event.
    """
    if not events or not all(_status_update(event) for event in events):
        return False
    if len(events) == 1:
        return _settled_by_ledger(events[0], deps)
    records = deps.ledger.load_package(events[0].detail.package_ref()).versions
    return all(_matches(event, records.get(event.detail.package_version)) for event in events)


def _status_update(event: CodeArtifactEvent) -> bool:
    detail = event.detail
    return detail.operation_type == "Updated" and detail.status in (Status.ARCHIVED, Status.DISPOSED)


def _matches(event: CodeArtifactEvent, record: VersionRecord | None) -> bool:
    """The ledger records this version archived (by us, or first seen so), same artifact."""
    if record is None or record.archived_at is None:
        return False
    revision = event.detail.package_version_revision
    return record.revision is None or revision is None or record.revision == revision


def _settled_by_ledger(event: CodeArtifactEvent, deps: Dependencies) -> bool:
    """Whether ``event`` only reports a status change the ledger already knows of.

    True for an Archived or Disposed update of a version the ledger records as archived (by
    us, or first seen so) with the same revision. Such a change removes no live version and
    starts no clock the ledger does not hold, so it cannot change any decision: evaluation is
    idempotent, and this makes its no-op cheap (one small read, no CodeArtifact call).
    Anything else (a publish, a restore, an asset change, an unknown version) is evaluated.
    """
    if not _status_update(event):
        return False
    detail = event.detail
    return _matches(event, deps.ledger.load_version(detail.package_ref(), detail.package_version))


def _covered(event: CodeArtifactEvent, last: int | None, evaluated: datetime | None) -> bool:
    """Whether an evaluation already saw this event's change: its sequence is at or below the
    last one evaluated AND it happened before that evaluation. The time check means a bogus
    huge sequence number can never silence a package: anything newer is evaluated."""
    if last is None or evaluated is None or event.detail.sequence_number > last:
        return False
    at = event.time if event.time.tzinfo else event.time.replace(tzinfo=UTC)
    return at <= evaluated


def _published_times(events: Sequence[CodeArtifactEvent]) -> dict[str, datetime]:
    """Publish times the events reveal: only a Created event's time is (about) the publish time.

    An Updated event may be a restore years later, so its time says nothing about age.
    """
    times: dict[str, datetime] = {}
    for event in events:
        if event.detail.operation_type == "Created":
            at = event.time if event.time.tzinfo else event.time.replace(tzinfo=UTC)
            times[event.detail.package_version] = at.astimezone(UTC)
    return times
