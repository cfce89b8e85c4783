"""Value encoding shared by both ledger backends, so they store identical fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ca_lifecycle.facts import Action, Status
from ca_lifecycle.ledger import Intent, VersionRecord


def to_iso(value: datetime) -> str:
    """UTC ISO-8601 with a ``Z``; naive datetimes are refused (they would silently shift)."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: the ledger stores tz-aware UTC times only")
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def from_iso(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value).astimezone(UTC)


def epoch_seconds(value: datetime) -> int:
    return int(value.timestamp())


def version_attributes(record: VersionRecord) -> dict[str, Any]:
    """The stored fields of one version; absent values are omitted, not stored as null."""
    attributes: dict[str, Any] = {"archived_by_us": record.archived_by_us}
    if record.revision is not None:
        attributes["revision"] = record.revision
    if record.published is not None:
        attributes["published"] = to_iso(record.published)
    if record.archived_at is not None:
        attributes["archived_at"] = to_iso(record.archived_at)
    if record.hold_reason is not None:
        attributes["hold_reason"] = record.hold_reason
        if record.held_until is not None:
            attributes["held_until"] = to_iso(record.held_until)
    if record.noticed_at is not None:
        attributes["noticed_at"] = to_iso(record.noticed_at)
    if record.notice_id is not None:
        attributes["notice_id"] = record.notice_id
    if record.last_downloaded is not None:
        attributes["last_downloaded"] = usage_iso(record.last_downloaded)
    return attributes


def usage_iso(value: datetime) -> str:
    """Usage times to the second, so their ISO texts order as the times do (DynamoDB compares
    the strings in its ``last_downloaded < :t`` condition; a fraction would break that)."""
    return to_iso(value.replace(microsecond=0))


def version_record(attributes: dict[str, Any]) -> VersionRecord:
    revision = attributes.get("revision")
    return VersionRecord(
        revision=revision if isinstance(revision, str) else None,
        published=from_iso(attributes.get("published")),
        archived_at=from_iso(attributes.get("archived_at")),
        archived_by_us=bool(attributes.get("archived_by_us", False)),
        held_until=from_iso(attributes.get("held_until")),
        hold_reason=hold if isinstance(hold := attributes.get("hold_reason"), str) else None,
        noticed_at=from_iso(attributes.get("noticed_at")),
        notice_id=notice if isinstance(notice := attributes.get("notice_id"), str) else None,
        last_downloaded=from_iso(attributes.get("last_downloaded")),
    )


def intent_attributes(intent: Intent) -> dict[str, Any]:
    return {
        "action": intent.action.value,
        "expected": intent.expected.value,
        "versions": dict(intent.versions),
        "at": to_iso(intent.at),
    }


def intent_record(intent_id: str, attributes: dict[str, Any]) -> Intent:
    at = from_iso(attributes.get("at"))
    if at is None:
        raise ValueError(f"intent {intent_id}: at: missing")
    versions = attributes.get("versions") or {}
    return Intent(
        intent_id=intent_id,
        action=Action(str(attributes.get("action"))),
        expected=Status(str(attributes.get("expected"))),
        versions={str(v): str(r) for v, r in dict(versions).items()},
        at=at,
    )
