"""Builders for engine tests: facts, policies and guardrails, each valid by default."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from ca_lifecycle.engine import Evaluation, evaluate
from ca_lifecycle.facts import Hold, OriginType, PackageRef, Status, VersionFact
from ca_lifecycle.policy import Guardrails, PackagePolicy

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def package(fmt: str = "npm", name: str = "widgets") -> PackageRef:
    namespace = "acme" if fmt in {"npm", "maven", "swift", "generic"} else None
    return PackageRef(domain="acme", repository="release", format=fmt, namespace=namespace, name=name)


def fact(
    version: str,
    order: int,
    status: Status = Status.PUBLISHED,
    *,
    published: datetime | None = None,
    age: timedelta | None = None,
    origin: OriginType = OriginType.INTERNAL,
    revision: str | None = None,
) -> VersionFact:
    """One version; ``age`` is a shortcut for ``published = NOW - age``."""
    if age is not None:
        published = NOW - age
    return VersionFact(
        version=version,
        status=status,
        revision=revision if revision is not None else f"rev-{version}",
        origin_type=origin,
        publish_order=order,
        published=published,
    )


def facts(versions: Iterable[str], status: Status = Status.PUBLISHED) -> list[VersionFact]:
    """Versions given newest-published first; publish times unknown."""
    return [fact(v, order, status) for order, v in enumerate(versions)]


def daily(versions: Sequence[str], newest_age: timedelta = timedelta(0)) -> list[VersionFact]:
    """Versions given newest-published first, one day apart, every publish time known."""
    return [fact(v, order, age=newest_age + timedelta(days=order)) for order, v in enumerate(versions)]


def policy(**fields: Any) -> PackagePolicy:
    """A validated PackagePolicy for domain acme; ``fields`` as in a policy file."""
    return PackagePolicy.model_validate({"id": "test", "scope": {"domain": "acme"}, **fields})


def guardrails(keep_at_least: int = 0, max_archive_fraction: float = 1.0) -> Guardrails:
    """Permissive by default so a rule test sees the rule alone."""
    return Guardrails(keep_at_least=keep_at_least, max_archive_fraction=max_archive_fraction)


def run(
    versions: Sequence[VersionFact],
    pol: PackagePolicy | None,
    *,
    fmt: str = "npm",
    rails: Guardrails | None = None,
    now: datetime = NOW,
    archived_at: dict[str, datetime] | None = None,
    archived_by_us: frozenset[str] = frozenset(),
    holds: dict[str, Hold] | None = None,
    default_version: str | None = None,
) -> Evaluation:
    return evaluate(
        package(fmt),
        versions,
        pol,
        rails if rails is not None else guardrails(),
        now,
        archived_at=archived_at or {},
        archived_by_us=archived_by_us,
        holds=holds or {},
        default_version=default_version,
    )


def by_version(evaluation: Evaluation) -> dict[str, tuple[str, str | None]]:
    """version -> (action, rule), for compact known-answer assertions."""
    return {d.version: (d.action.value, d.rule) for d in evaluation.decisions}


def actions(evaluation: Evaluation) -> dict[str, str]:
    return {d.version: d.action.value for d in evaluation.decisions}


def reason_of(evaluation: Evaluation, version: str) -> str:
    return next(d.reason for d in evaluation.decisions if d.version == version)
