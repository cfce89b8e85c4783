"""Usage ingestion: CloudTrail read events → the newest download per (version, UTC day) → ledger.

One ``npm install`` makes several reads and a busy CI makes millions a day, so reads are
aggregated before anything is written: per package version, the newest UTC day it was read
in this batch. A (version, day) the ledger already holds (this execution environment wrote
it) is not written again, so ledger writes are bounded by distinct (version, day) pairs, not
by requests. Writes are max()-only (``Ledger.record_usage``), so duplicated and reordered
events change nothing.

What does not count as a download: metadata reads (no version: packuments, simple index),
reads by the engine's own roles, by ``usage.ignore_principals`` (ARN globs) and by
``usage.ignore_user_agents``. Every valid read of a policy domain, counted or not, proves the
feed is alive and advances the domain's ``last_ingested`` (silence detection).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

from ca_lifecycle.facts import PackageRef, UsageFacts
from ca_lifecycle.ledger import Ledger, VersionRecord, package_key
from ca_lifecycle.policy import PolicyDocument
from ca_lifecycle.usage_events import PackageRead, UsageEventError, parse_read

# A stream heartbeat newer than the stored one by less than this is not written (one domain
# write per few minutes, not per batch); far below any sensible usage.max_silence.
STREAM_RESOLUTION = timedelta(minutes=5)
# Bound on the (package, version) -> day memo kept for the life of the execution environment.
MEMO_LIMIT = 500_000


def day_of(moment: datetime) -> datetime:
    """The UTC day (midnight) of ``moment``: the precision of ``last_downloaded``."""
    utc = moment.astimezone(UTC)
    return datetime(utc.year, utc.month, utc.day, tzinfo=UTC)


def own_role_globs(role_names: Iterable[str]) -> tuple[str, ...]:
    """ARN globs matching reads made by the engine's own roles (as CloudTrail shows them:
    ``arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION``, or the role ARN itself)."""
    globs: list[str] = []
    for name in role_names:
        if name:
            globs.extend((f"arn:*:sts::*:assumed-role/{name}/*", f"arn:*:iam::*:role/{name}"))
    return tuple(globs)


@dataclass
class UsageReport:
    received: int = 0
    downloads: int = 0  # version reads that count
    metadata: int = 0  # reads without a version: valid, not a download
    ignored: int = 0  # own roles, ignore_principals, ignore_user_agents
    out_of_scope: int = 0  # a domain no policy names
    malformed: int = 0
    pairs: int = 0  # distinct (version, day) in this batch
    version_writes: int = 0  # last_downloaded values sent to the ledger
    package_writes: int = 0  # record_usage calls (one per package with something new)
    stream_writes: int = 0  # record_ingestion calls
    failed: list[str] = field(default_factory=list)  # message ids to retry (partial batch failure)


@dataclass
class _PackageReads:
    package: PackageRef
    days: dict[str, datetime] = field(default_factory=dict)
    messages: set[str] = field(default_factory=set)


class UsageIngest:
    """One per execution environment: its memo of what the ledger holds spans batches."""

    def __init__(
        self, ledger: Ledger, document: PolicyDocument, *, own_principals: Sequence[str] = ()
    ) -> None:
        self.ledger = ledger
        self.document = document
        self.own_principals = tuple(own_principals)
        self._written: dict[tuple[str, str], datetime] = {}
        self._streams: dict[tuple[str | None, str], datetime] = {}

    def ignored(self, read: PackageRead) -> bool:
        usage = self.document.usage
        arn = read.principal_arn
        if arn is not None and any(fnmatchcase(arn, glob) for glob in self.own_principals):
            return True
        return usage.principal_ignored(arn) or usage.agent_ignored(read.user_agent)

    def _in_scope(self, package: PackageRef) -> bool:
        return any(
            p.scope.matches_domain(package.domain, package.domain_owner) for p in self.document.policies
        )

    def ingest(self, records: Sequence[tuple[str, Any]]) -> UsageReport:
        """``records``: (message id, EventBridge event as a dict or JSON text)."""
        report = UsageReport(received=len(records))
        packages: dict[str, _PackageReads] = {}
        streams: dict[tuple[str | None, str], tuple[datetime, datetime, set[str]]] = {}
        for message_id, body in records:
            try:
                read = parse_read(json.loads(body) if isinstance(body, str | bytes) else body)
            except (UsageEventError, ValueError):
                report.malformed += 1
                report.failed.append(message_id)
                continue
            if not self._in_scope(read.package):
                report.out_of_scope += 1
                continue
            where = (read.package.domain_owner, read.package.domain)
            oldest, newest, messages = streams.get(where, (read.at, read.at, set()))
            messages.add(message_id)
            streams[where] = (min(oldest, read.at), max(newest, read.at), messages)
            if read.version is None:
                report.metadata += 1
                continue
            if self.ignored(read):
                report.ignored += 1
                continue
            report.downloads += 1
            key = package_key(read.package)
            entry = packages.setdefault(key, _PackageReads(read.package))
            day = day_of(read.at)
            if entry.days.get(read.version, day) <= day:
                entry.days[read.version] = day
            entry.messages.add(message_id)
        failed = set(report.failed)
        for key, entry in packages.items():
            report.pairs += len(entry.days)
            todo = {
                v: d
                for v, d in entry.days.items()
                if (key, v) not in self._written or self._written[key, v] < d
            }
            if not todo:
                continue
            try:
                self.ledger.record_usage(entry.package, todo, max(todo.values()))
            except Exception:
                failed |= entry.messages
                continue
            report.package_writes += 1
            report.version_writes += len(todo)
            if len(self._written) + len(todo) > MEMO_LIMIT:
                self._written.clear()
            self._written.update({(key, v): d for v, d in todo.items()})
        for (owner, domain), (oldest, newest, messages) in streams.items():
            known = self._streams.get((owner, domain))
            if known is not None and newest < known + STREAM_RESOLUTION:
                continue
            try:
                if known is None and oldest < newest:
                    # The first batch this environment sees may reach back (a delayed
                    # delivery): the feed has been tracked since its oldest read.
                    self.ledger.record_ingestion(owner, domain, oldest)
                    report.stream_writes += 1
                self.ledger.record_ingestion(owner, domain, newest)
            except Exception:
                failed |= messages
                continue
            report.stream_writes += 1
            self._streams[owner, domain] = newest
        report.failed = sorted(failed)
        return report


def usage_facts(
    ledger: Ledger, package: PackageRef, versions: Mapping[str, VersionRecord], max_silence: timedelta
) -> UsageFacts:
    """The engine's view of one package's downloads and its domain's feed."""
    stream = ledger.usage_stream(package.domain_owner, package.domain)
    return UsageFacts(
        last_downloaded={v: r.last_downloaded for v, r in versions.items() if r.last_downloaded is not None},
        tracked_since=stream.tracked_since,
        last_ingested=stream.last_ingested,
        max_silence=max_silence,
    )
