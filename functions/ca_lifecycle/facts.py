"""Facts the engine reasons about: plain, immutable values with no AWS dependency.

Every edge (gateway, ledger, events, CLI) converts what it reads into these types, and the
engine (``ca_lifecycle.engine``) turns them into decisions. Nothing here imports boto3.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class Status(StrEnum):
    """CodeArtifact package-version status, spelled as the API spells it."""

    PUBLISHED = "Published"
    UNFINISHED = "Unfinished"
    UNLISTED = "Unlisted"
    ARCHIVED = "Archived"
    DISPOSED = "Disposed"
    DELETED = "Deleted"


LIVE_STATUSES: frozenset[Status] = frozenset({Status.PUBLISHED, Status.UNLISTED})


class OriginType(StrEnum):
    INTERNAL = "INTERNAL"
    EXTERNAL = "EXTERNAL"
    UNKNOWN = "UNKNOWN"


class Restriction(StrEnum):
    ALLOW = "ALLOW"
    BLOCK = "BLOCK"


class Action(StrEnum):
    ARCHIVE = "archive"
    DISPOSE = "dispose"
    KEEP = "keep"  # a protect rule or guardrail-independent reason keeps it
    SKIP = "skip"  # a rule wanted an action but a guardrail or a missing fact stopped it
    NONE = "none"  # no rule applies (not live, or nothing matched)


@dataclass(frozen=True, slots=True)
class PackageRef:
    """One package in one repository, with CodeArtifact's normalized names."""

    domain: str
    repository: str
    format: str
    namespace: str | None
    name: str
    domain_owner: str | None = None

    @property
    def group_path(self) -> str:
        """The package as a package-group path: ``/format/namespace/name`` (empty namespace allowed)."""
        return f"/{self.format}/{self.namespace or ''}/{self.name}"

    def display(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.domain}/{self.repository}/{self.format}/{ns}{self.name}"


@dataclass(frozen=True, slots=True)
class OriginConfig:
    publish: Restriction
    upstream: Restriction


@dataclass(frozen=True, slots=True)
class VersionFact:
    """One version as listed, plus what is known of its publish time.

    ``publish_order`` is the position in ListPackageVersions(sortBy=PUBLISHED_TIME), 0 = newest;
    the API gives this order for free while exact times cost a DescribePackageVersion each.
    ``published`` is the exact publish time when known (ledger cache, event, or a describe).
    """

    version: str
    status: Status
    revision: str | None
    origin_type: OriginType
    publish_order: int
    published: datetime | None = None


@dataclass(frozen=True, slots=True)
class Hold:
    """A person's (or the engine's own) "keep this one": protects the version until ``until``
    (None: until the hold is removed), with the reason shown on every decision."""

    reason: str
    until: datetime | None = None

    def active(self, now: datetime) -> bool:
        return self.until is None or self.until > now


@dataclass(frozen=True, slots=True)
class UsageFacts:
    """What the read-event feed knows: per version the newest recorded download (UTC day), since
    when the feed has been ingested (warm-up) and its newest event (silence)."""

    last_downloaded: Mapping[str, datetime] = field(default_factory=dict)
    tracked_since: datetime | None = None
    last_ingested: datetime | None = None
    max_silence: timedelta = timedelta(days=1)  # the policy's usage.max_silence
