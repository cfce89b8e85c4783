"""The ledger: what CodeArtifact does not remember for us.

CodeArtifact records no time of a status change, so the ledger keeps, per version, when it
was archived (by us, or first seen Archived), its revision and its cached ``publishedTime``;
per package the highest event sequence number evaluated and the last evaluation time; and
the claimed ``eventDeduplicationId``s. Two backends share these semantics exactly:
``DynamoDBLedger`` (deployed) and ``LocalLedger`` (a JSON file, for the CLI and the demo).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from ca_lifecycle.facts import PackageRef

DEFAULT_EVENT_TTL: timedelta = timedelta(days=2)  # AWS retries delivery for up to 24 h; twice that is ample
UNKNOWN_OWNER: str = "-"


@dataclass(frozen=True, slots=True)
class VersionRecord:
    revision: str | None = None
    published: datetime | None = None  # cached publishedTime
    archived_at: datetime | None = None  # when we archived it or first saw it Archived
    archived_by_us: bool = False


@dataclass(frozen=True, slots=True)
class PackageRecord:
    versions: Mapping[str, VersionRecord] = field(default_factory=dict)
    last_sequence: int | None = None
    last_evaluated: datetime | None = None


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


VERSION_PREFIX = "VER#"
META_SORT_KEY = "META"
EVENT_SORT_KEY = "EVENT"


# The backends import the names above, so they come last. Neither imports boto3 at module
# scope: the DynamoDB resource is created on first use.
from ca_lifecycle.ledger.dynamodb import DynamoDBLedger  # noqa: E402
from ca_lifecycle.ledger.local import LocalLedger  # noqa: E402

__all__ = [
    "DEFAULT_EVENT_TTL",
    "DynamoDBLedger",
    "Ledger",
    "LocalLedger",
    "PackageRecord",
    "VersionRecord",
    "event_key",
    "normalized_name",
    "package_key",
]
