"""Digests: tell a domain's owners what will be archived and disposed before it happens.

Per domain: the disposals and archives due within the coming window (per repository and
package, with the rule and the date), what runs did since the last digest, the holds, and
the failures. ``build_digest`` reads only (``process_package(read_only=True)``, at the real
time and at the window's end for upcoming archives); ``deliver_digest`` publishes it and,
only once the publisher (SNS) accepted it, records the announced versions as noticed in the
ledger: a digest that was not delivered announces nothing, so the disposals it listed stay
blocked under a ``dispose.notice`` policy.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from ca_lifecycle.app.package import PackageResult, process_package
from ca_lifecycle.app.runs import DEFAULT_PRICE_PER_GB_MONTH, monthly_cost, usd
from ca_lifecycle.app.scope import repository_targets, scoped_packages
from ca_lifecycle.engine.core import DISPOSE, iso
from ca_lifecycle.facts import Action, PackageRef
from ca_lifecycle.gateway import Gateway
from ca_lifecycle.ledger import Ledger
from ca_lifecycle.ledger.runs import NoticeRecord, RunLog, RunVersion
from ca_lifecycle.policy import PolicyDocument, format_duration

DEFAULT_WITHIN = timedelta(days=7)
# SNS's message limit is 256 KiB (262,144 bytes) for the whole publish; the JSON for e-mail
# readers is plain text, and the machine copy is trimmed to stay under it.
SNS_MAX_BYTES = 262_144
_TEXT_LINES = 200  # entries listed in the plain-text body; the JSON carries all of them


@dataclass(frozen=True, slots=True)
class UpcomingEntry:
    repository: str
    format: str
    namespace: str | None
    package: str
    version: str
    action: str  # archive | dispose
    rule: str | None
    reason: str
    due: datetime  # when the action may happen at the earliest
    announced: datetime | None  # already noticed (an earlier digest), or None: announced by this one
    bytes: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "repository": self.repository,
            "format": self.format,
            "namespace": self.namespace,
            "package": self.package,
            "version": self.version,
            "action": self.action,
            "rule": self.rule,
            "reason": self.reason,
            "due": iso(self.due),
            "announced": None if self.announced is None else iso(self.announced),
            "bytes": self.bytes,
        }

    @property
    def label(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.repository}/{self.format}/{ns}{self.package}@{self.version}"


@dataclass
class Digest:
    digest_id: str
    domain: str
    domain_owner: str | None
    now: datetime
    within: timedelta
    since: datetime | None  # the last delivered digest of this domain
    upcoming: list[UpcomingEntry] = field(default_factory=list)
    done: list[RunVersion] = field(default_factory=list)
    holds: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    # package -> version -> revision: what this digest announces (recorded once delivered)
    to_announce: dict[PackageRef, dict[str, str]] = field(default_factory=dict)
    price_per_gb_month: float = DEFAULT_PRICE_PER_GB_MONTH

    @property
    def disposals(self) -> list[UpcomingEntry]:
        return [e for e in self.upcoming if e.action == Action.DISPOSE.value]

    @property
    def archives(self) -> list[UpcomingEntry]:
        return [e for e in self.upcoming if e.action == Action.ARCHIVE.value]

    def upper_bound_bytes(self) -> int | None:
        sizes = [e.bytes for e in self.disposals]
        return None if not sizes or any(s is None for s in sizes) else sum(s or 0 for s in sizes)

    def subject(self) -> str:
        # SNS subjects: under 100 characters, no line breaks.
        return (
            f"codeartifact-lifecycle {self.domain}: {len(self.disposals)} disposal(s), "
            f"{len(self.archives)} archive(s) within {format_duration(self.within)}"
        )[:99]

    def as_dict(self) -> dict[str, Any]:
        upper = self.upper_bound_bytes()
        return {
            "digest_id": self.digest_id,
            "domain": self.domain,
            "domain_owner": self.domain_owner,
            "now": iso(self.now),
            "within": format_duration(self.within),
            "since": None if self.since is None else iso(self.since),
            "upcoming": [e.as_dict() for e in self.upcoming],
            "done": [v.as_dict() for v in self.done],
            "holds": self.holds,
            "failures": self.failures,
            "summary": {
                "disposals": len(self.disposals),
                "archives": len(self.archives),
                "announced_now": sum(len(v) for v in self.to_announce.values()),
                "done": len(self.done),
                "holds": len(self.holds),
                "failures": len(self.failures),
                # Assets are stored once per domain: a disposal frees at most this much.
                "bytes_upper_bound": upper,
                "monthly_cost_upper_bound_usd": None
                if upper is None
                else monthly_cost(upper, self.price_per_gb_month),
                "price_per_gb_month_usd": self.price_per_gb_month,
            },
        }

    def text(self) -> str:
        """The plain-text message a person reads in an e-mail."""
        owner = f" (owner {self.domain_owner})" if self.domain_owner else ""
        lines = [
            f"codeartifact-lifecycle digest for domain {self.domain}{owner}, {iso(self.now)}",
            f"Window: the next {format_duration(self.within)} (until {iso(self.now + self.within)}).",
            "",
            f"Disposals due ({len(self.disposals)}); disposal deletes the assets and cannot be undone:",
        ]
        lines.extend(_entry_lines(self.disposals))
        upper = self.upper_bound_bytes()
        if upper is not None and self.disposals:
            lines.append(
                f"  at most {upper} bytes (upper bound: an asset shared with another version or "
                f"repository is stored once per domain), about "
                f"{usd(monthly_cost(upper, self.price_per_gb_month))}/month "
                f"at ${self.price_per_gb_month}/GB-month"
            )
        lines += ["", f"Archives due ({len(self.archives)}):"]
        lines.extend(_entry_lines(self.archives))
        since = "the start" if self.since is None else iso(self.since)
        lines += ["", f"Done since {since} ({len(self.done)}):"]
        lines.extend(
            f"  {v.action} {v.repository}/{v.package}@{v.version} by {v.rule}: {v.outcome}"
            for v in self.done[:_TEXT_LINES]
        )
        lines += ["", f"Holds ({len(self.holds)}):"]
        lines.extend(f"  {h['package']}@{h['version']}: {h['reason']}" for h in self.holds[:_TEXT_LINES])
        lines += ["", f"Failures ({len(self.failures)}):"]
        lines.extend(f"  {f['what']}: {f['error']}" for f in self.failures[:_TEXT_LINES])
        lines += [
            "",
            "To keep a version, protect it in the policy or hold it in the ledger before its date. "
            f"Digest id {self.digest_id}; the full list is in the JSON copy.",
        ]
        return "\n".join(lines) + "\n"


def _entry_lines(entries: Sequence[UpcomingEntry]) -> list[str]:
    lines = [
        f"  {iso(e.due)}  {e.label}  ({e.rule})"
        + ("" if e.announced is None else f" announced {iso(e.announced)}")
        for e in entries[:_TEXT_LINES]
    ]
    if len(entries) > _TEXT_LINES:
        lines.append(f"  … and {len(entries) - _TEXT_LINES} more (see the JSON copy)")
    return lines or ["  none"]


class Notifier(Protocol):
    """Where a digest goes (``ca_lifecycle.notify.SnsNotifier`` in production)."""

    def publish(self, subject: str, text: str, document: Mapping[str, Any]) -> str:
        """Deliver; the delivery's id (SNS MessageId). Raises when not accepted."""
        ...


def _domains(document: PolicyDocument, default_owner: str | None) -> list[tuple[str, str | None]]:
    seen: dict[tuple[str, str | None], None] = {}
    for policy in document.policies:
        seen.setdefault((policy.scope.domain, policy.scope.domain_owner or default_owner), None)
    return list(seen)


def build_digests(
    document: PolicyDocument,
    gateway: Gateway,
    ledger: Ledger,
    now: datetime,
    *,
    within: timedelta = DEFAULT_WITHIN,
    default_owner: str | None = None,
    sizes: Callable[[PackageRef, str], int] | None = None,
    price_per_gb_month: float = DEFAULT_PRICE_PER_GB_MONTH,
) -> list[Digest]:
    """One digest per policy domain, computed read-only."""
    digests = {
        key: Digest(
            digest_id=f"digest-{key[0]}-{now.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:8]}",
            domain=key[0],
            domain_owner=key[1],
            now=now,
            within=within,
            since=_last_digest_time(ledger, *key),
            price_per_gb_month=price_per_gb_month,
        )
        for key in _domains(document, default_owner)
    }
    walk = repository_targets(document, gateway, default_owner)
    for domain, exc in walk.errors.items():
        for digest in digests.values():
            if digest.domain == domain:
                digest.failures.append(
                    {"what": f"domain {domain}", "error": f"repositories not listed: {exc}"}
                )
    for target in walk.targets:
        digest = digests[(target.domain, target.owner)]
        for package in scoped_packages(document, gateway, target):
            try:
                _add_package(digest, package, document=document, gateway=gateway, ledger=ledger, sizes=sizes)
            except Exception as exc:  # one package must not hide the rest of the domain
                digest.failures.append({"what": package.display(), "error": f"not evaluated: {exc}"})
    for digest in digests.values():
        _add_history(digest, ledger)
        digest.upcoming.sort(key=lambda e: (e.due, e.action, e.label))
    return list(digests.values())


def _last_digest_time(ledger: Ledger, domain: str, owner: str | None) -> datetime | None:
    if not isinstance(ledger, RunLog):
        return None
    last = ledger.last_notice(domain, owner)
    return None if last is None else last.at


def _window(digest: Digest, result: PackageResult, document: PolicyDocument) -> timedelta:
    """At least the policy's notice: a version must be announced a whole notice ahead."""
    policy = next((p for p in document.policies if p.id == result.evaluation.policy_id), None)
    notice = policy.dispose.notice if policy is not None and policy.dispose is not None else None
    return max(digest.within, notice or timedelta(0))


def _add_package(
    digest: Digest,
    package: PackageRef,
    *,
    document: PolicyDocument,
    gateway: Gateway,
    ledger: Ledger,
    sizes: Callable[[PackageRef, str], int] | None,
) -> None:
    now = process_package(
        package,
        document=document,
        gateway=gateway,
        ledger=ledger,
        now=digest.now,
        apply=False,
        read_only=True,
    )
    if now.evaluation.policy_id is None:
        return
    horizon = digest.now + _window(digest, now, document)
    held = {v for v, r in now.records.items() if r.hold_active(digest.now)}
    current = {d.version: d for d in now.evaluation.decisions}
    # Collected first, added to the digest only once the whole package was evaluated: a package
    # that fails half-way announces nothing.
    entries: list[UpcomingEntry] = []
    announce: dict[str, str] = {}
    for decision in now.evaluation.decisions:
        if (
            decision.rule != DISPOSE
            or decision.due is None
            or decision.due > horizon
            or decision.version in held
        ):
            continue
        record = now.records.get(decision.version)
        announced = None if record is None else record.noticed_at
        if announced is None and decision.revision:
            announce[decision.version] = decision.revision
        entries.append(
            _entry(
                package,
                decision.version,
                Action.DISPOSE,
                rule=decision.rule,
                reason=decision.reason,
                due=max(decision.due, digest.now),
                announced=announced,
                sizes=sizes,
            )
        )
    # Archives: due now, or due by the window's end (a what-if at the horizon, read-only).
    later = process_package(
        package, document=document, gateway=gateway, ledger=ledger, now=horizon, apply=False, read_only=True
    )
    for decision in later.evaluation.actions(Action.ARCHIVE):
        before = current.get(decision.version)
        due = digest.now if before is not None and before.action is Action.ARCHIVE else horizon
        entries.append(
            _entry(
                package,
                decision.version,
                Action.ARCHIVE,
                rule=decision.rule,
                reason=decision.reason,
                due=due,
                announced=None,
                sizes=None,
            )
        )
    digest.upcoming.extend(entries)
    if announce:
        digest.to_announce[package] = announce
    for version, record in sorted(now.records.items()):
        if record.hold_reason is not None and record.hold_active(digest.now):
            until = "until removed" if record.held_until is None else f"until {iso(record.held_until)}"
            digest.holds.append(
                {
                    "package": package.display(),
                    "version": version,
                    "reason": f"{record.hold_reason} ({until})",
                }
            )


def _entry(
    package: PackageRef,
    version: str,
    action: Action,
    *,
    rule: str | None,
    reason: str,
    due: datetime,
    announced: datetime | None,
    sizes: Callable[[PackageRef, str], int] | None,
) -> UpcomingEntry:
    return UpcomingEntry(
        repository=package.repository,
        format=package.format,
        namespace=package.namespace,
        package=package.name,
        version=version,
        action=action.value,
        rule=rule,
        reason=reason,
        due=due,
        announced=announced,
        bytes=None if sizes is None or action is not Action.DISPOSE else sizes(package, version),
    )


def _add_history(digest: Digest, ledger: Ledger) -> None:
    """What runs wrote in this domain since the last digest (a week back for the first one)."""
    if not isinstance(ledger, RunLog):
        return
    since = digest.since or digest.now - timedelta(days=7)
    for run in ledger.runs(since, digest.now):
        for version in run.versions:
            if version.domain != digest.domain:
                continue
            digest.done.append(version)
            if version.outcome_kind == "failed":
                digest.failures.append(
                    {
                        "what": f"{version.action} {version.repository}/{version.package}@{version.version}",
                        "error": f"{version.outcome} (run {run.run_id}, {iso(run.at)})",
                    }
                )


@dataclass(frozen=True, slots=True)
class Delivery:
    digest_id: str
    delivered: bool
    message_id: str | None
    announced: int  # versions recorded as noticed
    error: str | None = None


def deliver_digest(digest: Digest, notifier: Notifier, ledger: Ledger, *, delivered_at: datetime) -> Delivery:
    """Publish; only after the notifier accepted it, record the announced versions as noticed.

    ``delivered_at`` is the notice time written to the ledger: the real time of the publish.
    A publish that raises records nothing: those disposals stay "not yet announced".
    """
    try:
        message_id = notifier.publish(digest.subject(), digest.text(), digest.as_dict())
    except Exception as exc:
        return Delivery(digest.digest_id, False, None, 0, f"{type(exc).__name__}: {exc}")
    announced = 0
    for package, versions in digest.to_announce.items():
        stored = ledger.load_package(package).versions
        updates = {}
        for version, revision in versions.items():
            record = stored.get(version)
            # Only the artifact that was announced, and only a first notice: a later digest
            # listing it again does not restart (or shorten) its notice period.
            if record is None or record.revision != revision or record.noticed_at is not None:
                continue
            updates[version] = replace(record, noticed_at=delivered_at, notice_id=digest.digest_id)
        ledger.record_versions(package, updates)
        announced += len(updates)
    if isinstance(ledger, RunLog):
        ledger.record_notice(
            NoticeRecord(
                notice_id=digest.digest_id,
                domain=digest.domain,
                domain_owner=digest.domain_owner,
                at=delivered_at,
                message_id=message_id,
                announced=announced,
            )
        )
    return Delivery(digest.digest_id, True, message_id, announced)


def fit_for_sns(document: Mapping[str, Any], limit: int = SNS_MAX_BYTES // 2) -> dict[str, Any]:
    """The JSON copy trimmed to ``limit`` bytes: long lists are cut and say so."""
    data = dict(document)
    if len(json.dumps(data)) <= limit:
        return data
    for key in ("done", "upcoming"):
        items = list(data.get(key) or [])
        while items and len(json.dumps(data)) > limit:
            items = items[: len(items) // 2]
            data[key] = items
            data[f"{key}_truncated"] = True
    return data


__all__ = [
    "DEFAULT_WITHIN",
    "Delivery",
    "Digest",
    "Notifier",
    "UpcomingEntry",
    "build_digests",
    "deliver_digest",
    "fit_for_sns",
]
