"""Run records and digest (notice) records, kept in the ledger beside the version records.

Why the ledger table and not an S3 prefix (docs/notifications.md, "Run reports"): the
worker already holds read/write access to it, so no bucket, bucket policy or extra grant is
deployed; DynamoDB's TTL expires old runs with nothing to schedule; and a run is written in
the same place as the version records it describes, so a report never names a write the
ledger does not know.

Layout (DynamoDB; the local file keeps the same fields under ``runs`` and ``digests``)::

    RUN#{YYYY-MM-DD}          / {at}#{run id}#{part}   one run, its versions in parts of 400
    DIGEST#{owner}#{domain}   / {at}#{digest id}       one delivered digest

A day partition keeps ``report --since 7d`` to seven Queries (no Scan); parts keep an item
far under DynamoDB's 400 KB limit whatever the batch wrote.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from ca_lifecycle.ledger.codec import from_iso, to_iso

RUN_TTL = timedelta(days=400)  # a year of reports, and a margin for the yearly review
RUN_PART_SIZE = 400  # versions per stored item: ~250 bytes each, far below 400 KB
RUN_PREFIX = "RUN#"
DIGEST_PREFIX = "DIGEST#"


@dataclass(frozen=True, slots=True)
class RunVersion:
    """One version a run wrote (or tried to): what, by which rule, and how it went."""

    domain: str
    repository: str
    format: str
    namespace: str | None
    package: str
    version: str
    action: str  # archive | dispose
    rule: str | None
    outcome: str  # done | failed: … | skipped: …
    bytes: int | None = None  # asset bytes (upper bound: assets are stored once per domain)

    @property
    def outcome_kind(self) -> str:
        return self.outcome.split(":", 1)[0].strip()

    def as_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "repository": self.repository,
            "format": self.format,
            "namespace": self.namespace,
            "package": self.package,
            "version": self.version,
            "action": self.action,
            "rule": self.rule,
            "outcome": self.outcome,
            "bytes": self.bytes,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunVersion:
        size = data.get("bytes")
        return cls(
            domain=str(data["domain"]),
            repository=str(data["repository"]),
            format=str(data["format"]),
            namespace=None if data.get("namespace") is None else str(data["namespace"]),
            package=str(data["package"]),
            version=str(data["version"]),
            action=str(data["action"]),
            rule=None if data.get("rule") is None else str(data["rule"]),
            outcome=str(data["outcome"]),
            bytes=None if size is None else int(size),
        )


@dataclass(frozen=True, slots=True)
class RunRecord:
    run_id: str
    trigger: str  # worker | cli-apply | demo …
    at: datetime
    policy_digest: str
    mode: str
    versions: tuple[RunVersion, ...]
    # Measured DescribeDomain.assetSizeBytes before and after the run, per domain, when read.
    domain_bytes: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def counts(self) -> dict[str, dict[str, int]]:
        """{action: {outcome kind: n}}."""
        counts: dict[str, Counter[str]] = {}
        for version in self.versions:
            counts.setdefault(version.action, Counter())[version.outcome_kind] += 1
        return {action: dict(sorted(c.items())) for action, c in sorted(counts.items())}

    def bytes_upper_bound(self) -> int:
        return sum(v.bytes or 0 for v in self.versions if v.action == "dispose" and v.outcome_kind == "done")


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    """A digest SNS accepted: the versions it announced carry its id in their records."""

    notice_id: str
    domain: str
    domain_owner: str | None
    at: datetime
    message_id: str
    announced: int


@runtime_checkable
class RunLog(Protocol):
    """Optional ledger capability (both backends have it; test fakes need not)."""

    def record_run(self, run: RunRecord, ttl: timedelta = RUN_TTL) -> None: ...

    def runs(self, since: datetime, until: datetime) -> list[RunRecord]: ...

    def record_notice(self, notice: NoticeRecord) -> None: ...

    def last_notice(self, domain: str, domain_owner: str | None) -> NoticeRecord | None: ...


def run_day_keys(since: datetime, until: datetime) -> list[str]:
    """Every ``RUN#{date}`` partition between two times, inclusive."""
    day = since.date()
    keys: list[str] = []
    while day <= until.date():
        keys.append(f"{RUN_PREFIX}{day.isoformat()}")
        day += timedelta(days=1)
    return keys


def run_parts(run: RunRecord, expires_at: int) -> list[dict[str, Any]]:
    """The stored items of one run (without keys' ``pk``): header fields on every part."""
    versions = [v.as_dict() for v in run.versions]
    chunks = [versions[i : i + RUN_PART_SIZE] for i in range(0, len(versions), RUN_PART_SIZE)] or [[]]
    header = {
        "run_id": run.run_id,
        "trigger": run.trigger,
        "at": to_iso(run.at),
        "policy_digest": run.policy_digest,
        "mode": run.mode,
        "counts": run.counts(),
        "domain_bytes": {d: [before, after] for d, (before, after) in run.domain_bytes.items()},
        "parts": len(chunks),
        "expires_at": expires_at,
    }
    return [{**header, "part": index, "versions": chunk} for index, chunk in enumerate(chunks)]


def runs_from_parts(items: Iterable[Mapping[str, Any]]) -> list[RunRecord]:
    """Reassemble runs from their stored parts (a run with a part missing is still returned)."""
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for item in items:
        grouped.setdefault(str(item["run_id"]), []).append(item)
    runs: list[RunRecord] = []
    for run_id, parts in grouped.items():
        parts.sort(key=lambda p: int(p.get("part", 0)))
        head = parts[0]
        at = from_iso(head.get("at"))
        if at is None:
            raise ValueError(f"run {run_id}: at: missing")
        raw_bytes = head.get("domain_bytes") or {}
        runs.append(
            RunRecord(
                run_id=run_id,
                trigger=str(head.get("trigger")),
                at=at,
                policy_digest=str(head.get("policy_digest")),
                mode=str(head.get("mode")),
                versions=tuple(RunVersion.from_dict(v) for p in parts for v in p.get("versions") or []),
                domain_bytes={str(d): (int(pair[0]), int(pair[1])) for d, pair in dict(raw_bytes).items()},
            )
        )
    return sorted(runs, key=lambda r: (r.at, r.run_id))


def digest_key(domain: str, domain_owner: str | None) -> str:
    return f"{DIGEST_PREFIX}{domain_owner or '-'}#{domain}"


def notice_attributes(notice: NoticeRecord) -> dict[str, Any]:
    return {
        "notice_id": notice.notice_id,
        "domain": notice.domain,
        "domain_owner": notice.domain_owner,
        "at": to_iso(notice.at),
        "message_id": notice.message_id,
        "announced": notice.announced,
    }


def notice_record(attributes: Mapping[str, Any]) -> NoticeRecord:
    at = from_iso(attributes.get("at"))
    if at is None:
        raise ValueError(f"digest {attributes.get('notice_id')}: at: missing")
    owner = attributes.get("domain_owner")
    return NoticeRecord(
        notice_id=str(attributes["notice_id"]),
        domain=str(attributes["domain"]),
        domain_owner=None if owner is None else str(owner),
        at=at,
        message_id=str(attributes.get("message_id")),
        announced=int(attributes.get("announced") or 0),
    )
