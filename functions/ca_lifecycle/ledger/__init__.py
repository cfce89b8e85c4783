"""The ledger: what CodeArtifact does not remember for us.

CodeArtifact records no time of a status change, so the ledger keeps, per version, when it
was archived (by us, or first seen Archived), its revision, its cached ``publishedTime`` and
any hold; per package the highest event sequence number evaluated, the last evaluation time
and the write intents not yet settled; and the claimed ``eventDeduplicationId``s. Two
backends share these semantics exactly: ``DynamoDBLedger`` (deployed) and ``LocalLedger`` (a
JSON file, for the CLI and the demo).

Every time written is an observation: the wall clock of the run (or an explicitly simulated
one), never a what-if ``--now``; a preview with a what-if clock writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from ca_lifecycle.facts import Action, PackageRef, Status

DEFAULT_EVENT_TTL: timedelta = timedelta(days=2)  # AWS retries delivery for up to 24 h; twice that is ample
UNKNOWN_OWNER: str = "-"


@dataclass(frozen=True, slots=True)
class VersionRecord:
    """What the ledger knows of one version; every fact belongs to ``revision`` (the artifact):
    a version deleted and published again under the same string is a new artifact and
    inherits none of them."""

    revision: str | None = None
    published: datetime | None = None  # cached publishedTime
    archived_at: datetime | None = None  # when we archived it or first saw it Archived
    archived_by_us: bool = False
    held_until: datetime | None = None  # a hold keeps the version (None with a reason: no expiry)
    hold_reason: str | None = None
    # When the version first appeared in a delivered digest, and that digest's id: under a
    # dispose ``notice`` it is disposed only ``notice`` after this (app/digest.py writes it).
    noticed_at: datetime | None = None
    notice_id: str | None = None
    # The UTC day (midnight) of the newest recorded download; only ever moves forward.
    last_downloaded: datetime | None = None

    @property
    def held(self) -> bool:
        return self.hold_reason is not None

    def hold_active(self, now: datetime) -> bool:
        return self.hold_reason is not None and (self.held_until is None or self.held_until > now)


@dataclass(frozen=True, slots=True)
class Intent:
    """A write about to be made, recorded before the call (write-ahead): were the process killed
    mid-call, the next run finds it and learns which versions the call changed."""

    intent_id: str
    action: Action  # ARCHIVE or DISPOSE
    expected: Status  # the expectedStatus of the call
    versions: Mapping[str, str]  # version -> revision sent
    at: datetime  # when it was about to be made (an observation: the run's real time)


@dataclass(frozen=True, slots=True)
class PackageRecord:
    versions: Mapping[str, VersionRecord] = field(default_factory=dict)
    last_sequence: int | None = None
    last_evaluated: datetime | None = None
    intents: Mapping[str, Intent] = field(default_factory=dict)
    usage_tracked_since: datetime | None = None  # first UTC day a read of this package was recorded
    usage_last_ingested: datetime | None = None  # newest UTC day a read of this package was recorded


@dataclass(frozen=True, slots=True)
class UsageStream:
    """Per domain: since when read events are ingested (warm-up) and the newest one (silence)."""

    tracked_since: datetime | None = None
    last_ingested: datetime | None = None


@dataclass(frozen=True, slots=True)
class HeldVersion:
    package_key: str
    version: str
    record: VersionRecord


@runtime_checkable
class Ledger(Protocol):
    def load_package(self, package: PackageRef) -> PackageRecord:
        """Everything recorded for ``package`` (an empty record when nothing is)."""
        ...

    def record_versions(self, package: PackageRef, updates: Mapping[str, VersionRecord]) -> None:
        """Upsert: each named version's record is REPLACED by the given one (callers merge from
        ``load_package``), so a field can be cleared, e.g. ``archived_at`` after a restore."""
        ...

    def record_evaluation(self, package: PackageRef, at: datetime, sequence: int | None) -> None:
        """Set the last evaluation time; keep the maximum sequence number ever recorded."""
        ...

    def package_summary(self, package: PackageRef) -> tuple[int | None, datetime | None]:
        """(last sequence, last evaluation time) alone: one small read, no versions."""
        ...

    def record_intent(self, package: PackageRef, intent: Intent) -> None:
        """Durably note a write about to be made (before the call)."""
        ...

    def clear_intent(self, package: PackageRef, intent_id: str) -> None:
        """The write's outcome is recorded in the version records: the intent is settled."""
        ...

    def holds(self) -> list[HeldVersion]:
        """Every version with a hold (expired ones too), for ``ca-lifecycle holds``."""
        ...

    def last_sequence(self, package: PackageRef) -> int | None:
        """The package's last evaluated sequence number alone: one small read, no versions."""
        ...

    def load_version(self, package: PackageRef, version: str) -> VersionRecord | None:
        """One version's record alone (None when nothing is recorded): one small read."""
        ...

    def claim_event(self, dedupe_id: str, now: datetime, ttl: timedelta = DEFAULT_EVENT_TTL) -> bool:
        """Atomically claim an ``eventDeduplicationId``; False if a live claim already exists."""
        ...

    def event_claimed(self, dedupe_id: str, now: datetime) -> bool:
        """Whether a live (unexpired) claim exists; a read, for skipping duplicates before work."""
        ...

    def record_usage(self, package: PackageRef, downloads: Mapping[str, datetime], day: datetime) -> None:
        """Per version, ``last_downloaded = max(stored, given)`` (never backwards, so duplicates and
        reordering change nothing); the package's ``usage_tracked_since`` = min and
        ``usage_last_ingested`` = max of ``day``. Times are stored to the second."""
        ...

    def record_ingestion(self, domain_owner: str | None, domain: str, at: datetime) -> None:
        """The domain's read feed is alive up to ``at``: tracked_since = min, last_ingested = max."""
        ...

    def usage_stream(self, domain_owner: str | None, domain: str) -> UsageStream:
        """The domain's read-feed state (empty when nothing was ever ingested)."""
        ...


_PYPI_SEPARATORS = re.compile(r"[-_.]+")


def normalized_name(package_format: str, name: str) -> str:
    """CodeArtifact's normalized package name (idempotent on names it already returns)."""
    if package_format == "pypi":
        return _PYPI_SEPARATORS.sub("-", name).lower()
    if package_format in ("nuget", "swift"):
        return name.lower()
    return name


def package_key(package: PackageRef) -> str:
    """``PKG#{owner}#{domain}#{repository}#{format}#{namespace}#{name}``, normalized names."""
    owner = package.domain_owner or UNKNOWN_OWNER
    namespace = package.namespace or ""
    if package.format == "swift":
        namespace = namespace.lower()
    name = normalized_name(package.format, package.name)
    return f"PKG#{owner}#{package.domain}#{package.repository}#{package.format}#{namespace}#{name}"


def event_key(dedupe_id: str) -> str:
    return f"EVENT#{dedupe_id}"


def usage_stream_key(domain_owner: str | None, domain: str) -> str:
    return f"USAGE#{domain_owner or UNKNOWN_OWNER}#{domain}"


VERSION_PREFIX = "VER#"
INTENT_PREFIX = "INTENT#"
META_SORT_KEY = "META"
EVENT_SORT_KEY = "EVENT"
USAGE_PREFIX = "USE#"  # per version: last_downloaded, written only by record_usage (conditional)
USAGE_SORT_KEY = "USAGE"  # per package and per domain stream: tracked_since, last_ingested


# The backends import the names above, so they come last. Neither imports boto3 at module
# scope: the DynamoDB resource is created on first use.
from ca_lifecycle.ledger.dynamodb import DynamoDBLedger  # noqa: E402
from ca_lifecycle.ledger.local import LocalLedger  # noqa: E402

__all__ = [
    "DEFAULT_EVENT_TTL",
    "DynamoDBLedger",
    "HeldVersion",
    "Intent",
    "Ledger",
    "LocalLedger",
    "PackageRecord",
    "UsageStream",
    "VersionRecord",
    "event_key",
    "normalized_name",
    "package_key",
    "usage_stream_key",
]
