"""``ca-lifecycle explain``: one package, every version, its decision and where each fact came from."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ca_lifecycle_cli.common import (
    EXIT_CODES_EPILOG,
    EXIT_OK,
    LEDGER_HELP,
    add_scan_arguments,
    default_owner,
    guarded,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ca_lifecycle.app.package import PackageResult
    from ca_lifecycle.facts import PackageRef
    from ca_lifecycle.ledger import VersionRecord
    from rich.console import Console

FORMATS = ("npm", "pypi", "maven", "nuget", "generic", "ruby", "swift", "cargo")
# CodeArtifact's naming: these formats have no namespace, these always have one (groupId,
# generic's namespace). A ref breaking the rule names no package that can exist: bad input,
# not an AWS "not found" after a round trip.
NO_NAMESPACE = frozenset({"pypi", "nuget", "ruby", "cargo"})
NAMESPACE_REQUIRED = frozenset({"maven", "generic"})

DESCRIPTION = """\
Explain the policy's decision for every version of one package, in policy order (highest
version first, live versions before the others): status, decision, the rule or reason,
and where the facts came from: the publish time (ledger cache, a DescribePackageVersion
call, or inferred from the publish order without a call) and the archive time (recorded by
apply, first seen Archived earlier, or first seen now: the archived_for clock starts).
Read-only, like plan. --sizes adds the bytes disposing would stop billing ("bytes_to_free"):
one ListPackageVersionAssets call (paged) per version to dispose.

PACKAGE is DOMAIN/REPOSITORY/FORMAT/[NAMESPACE/]NAME, for example
  acme/release/npm/acme/widgets     (npm scope "acme", without the @)
  acme/release/pypi/requests        (no namespace)
  acme/release/maven/com.acme/core  (maven groupId)"""

PUBLISHED_SOURCES = {
    "ledger": "ledger cache",
    "describe": "DescribePackageVersion",
    "event": "publish event",
    "inferred": "inferred from publish order",
    "unknown": "not needed",
}


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="every version of one package with its decision, reason and fact sources",
        description=DESCRIPTION,
        epilog=f"{LEDGER_HELP}\n\n{EXIT_CODES_EPILOG}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("package", metavar="PACKAGE", help="DOMAIN/REPOSITORY/FORMAT/[NAMESPACE/]NAME")
    add_scan_arguments(parser)
    parser.set_defaults(run=run)


def parse_package_ref(text: str, owner: str | None = None) -> PackageRef:
    """``DOMAIN/REPOSITORY/FORMAT/[NAMESPACE/]NAME`` → PackageRef (an npm ``@scope`` loses its ``@``)."""
    from ca_lifecycle.facts import PackageRef

    from ca_lifecycle_cli.common import CliError

    parts = text.strip("/").split("/")
    if len(parts) not in (4, 5) or not all(parts):
        raise CliError(f"PACKAGE: expected DOMAIN/REPOSITORY/FORMAT/[NAMESPACE/]NAME, got {text!r}")
    domain, repository, fmt = parts[:3]
    if fmt not in FORMATS:
        raise CliError(f"PACKAGE: unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    if len(parts) == 5 and fmt in NO_NAMESPACE:
        raise CliError(f"PACKAGE: {fmt} packages have no namespace: use DOMAIN/REPOSITORY/{fmt}/NAME")
    if len(parts) == 4 and fmt in NAMESPACE_REQUIRED:
        raise CliError(
            f"PACKAGE: {fmt} packages have a namespace: use DOMAIN/REPOSITORY/{fmt}/NAMESPACE/NAME"
        )
    namespace = parts[3].removeprefix("@") if len(parts) == 5 else None
    return PackageRef(domain, repository, fmt, namespace or None, parts[-1], owner)


@dataclass(frozen=True, slots=True)
class VersionFacts:
    """One row of the explanation: the decision plus the provenance of its facts."""

    version: str
    status: str
    action: str
    rule: str | None
    reason: str
    published: datetime | None
    published_source: str
    archived_at: datetime | None
    archived_source: str | None
    last_downloaded: datetime | None = None  # the ledger's newest recorded download (usage rules)

    def as_dict(self) -> dict[str, Any]:
        from ca_lifecycle_cli.common import iso

        usage = {} if self.last_downloaded is None else {"last_downloaded": iso(self.last_downloaded)}
        return {
            "version": self.version,
            "status": self.status,
            "action": self.action,
            "rule": self.rule,
            "reason": self.reason,
            "published": iso(self.published),
            "published_source": self.published_source,
            "archived_at": iso(self.archived_at),
            "archived_source": self.archived_source,
            **usage,
        }


def version_facts(result: PackageResult, records: Mapping[str, VersionRecord]) -> list[VersionFacts]:
    """Join the evaluation with the ledger as the run leaves it (what the next run starts from;
    with a what-if --now, what it would be: nothing is written)."""
    from ca_lifecycle.facts import Status

    first_seen = set(result.evaluation.record_archived)
    rows: list[VersionFacts] = []
    for decision in result.evaluation.decisions:
        record = records.get(decision.version)
        source = result.sources.get(decision.version, "unknown")
        published = (
            record.published if record is not None and source in {"ledger", "describe", "event"} else None
        )
        archived_at: datetime | None = None
        archived_source: str | None = None
        if decision.status is Status.ARCHIVED:
            archived_at = record.archived_at if record is not None else None
            if decision.version in first_seen:
                archived_source = "first seen now"
            elif record is not None and record.archived_at is not None:
                archived_source = (
                    "ledger: archived by apply" if record.archived_by_us else "ledger: first seen"
                )
            else:
                archived_source = "unknown"
        rows.append(
            VersionFacts(
                version=decision.version,
                status=decision.status.value,
                action=decision.action.value,
                rule=decision.rule,
                reason=decision.reason,
                published=published,
                published_source=source,
                archived_at=archived_at,
                archived_source=archived_source,
                last_downloaded=record.last_downloaded if record is not None else None,
            )
        )
    return rows


@guarded
def run(args: argparse.Namespace) -> int:
    from ca_lifecycle.app.package import process_package
    from ca_lifecycle.gateway import NotFound

    from ca_lifecycle_cli.common import (
        EXIT_AWS,
        CliError,
        disposed_asset_bytes,
        iso,
        load_document,
        make_gateway,
        open_ledger,
        policy_owner,
        preview_clock,
        print_json,
        stdout_console,
    )

    clock = preview_clock(args)
    now = clock.now
    document = load_document(args.policy)
    package = parse_package_ref(args.package)
    # The owner the policy names for this domain, so ledger keys match plan/apply's.
    owner = policy_owner(document, package.domain)
    gateway = make_gateway(sizes=args.sizes)
    package = parse_package_ref(args.package, owner or default_owner(args))
    with open_ledger(args) as ledger:
        try:
            result = process_package(
                package,
                document=document,
                gateway=gateway,
                ledger=ledger,
                now=now,
                apply=False,
                read_only=clock.read_only,
            )
        except NotFound as exc:
            raise CliError(f"no such package {package.display()}: {exc.message}", EXIT_AWS) from exc
    bytes_to_free = sum(disposed_asset_bytes(gateway, result).values()) if args.sizes else None
    rows = version_facts(result, result.records)
    evaluation = result.evaluation
    if args.json:
        extra = {} if bytes_to_free is None else {"bytes_to_free": bytes_to_free}
        from ca_lifecycle_cli.output import ExplainDocument, checked

        print_json(
            checked(
                ExplainDocument,
                {
                    "package": {
                        "domain": package.domain,
                        "repository": package.repository,
                        "format": package.format,
                        "namespace": package.namespace,
                        "package": package.name,
                    },
                    "policy": evaluation.policy_id,
                    "mode": document.mode.value,
                    "now": iso(now),
                    "origin": result.origin_dict(),
                    "origin_reason": evaluation.origin_reason,
                    "describes": result.describes,
                    "versions": [row.as_dict() for row in rows],
                    **extra,
                },
            )
        )
    else:
        console = stdout_console()
        render_explanation(result, rows, document.mode.value, now, console)
        if bytes_to_free is not None:
            from ca_lifecycle_cli.sizes import human_bytes

            console.print(f"Disposing frees {human_bytes(bytes_to_free)} of assets ({bytes_to_free} bytes).")
    return EXIT_OK


def render_explanation(
    result: PackageResult, rows: list[VersionFacts], mode: str, now: datetime, console: Console
) -> None:
    from rich.markup import escape
    from rich.table import Table

    from ca_lifecycle_cli.commands.plan import ACTION_STYLES
    from ca_lifecycle_cli.common import iso, package_label

    package = result.package
    evaluation = result.evaluation
    console.print(
        f"[bold]{package_label(package)}[/bold] in {escape(package.domain)}/{escape(package.repository)}"
    )
    policy = evaluation.policy_id or "none (no policy's scope claims this package)"
    console.print(f"policy: {policy}")
    console.print(f"mode: {mode}   now: {iso(now)}")
    current, target = result.current_origin, evaluation.origin_target
    if current is not None or target is not None:
        shown = "none" if current is None else f"{current.publish.value}/{current.upstream.value}"
        if target is not None:
            shown += f" -> {target.publish.value}/{target.upstream.value}"
            shown += " (to lock)" if evaluation.origin_change_needed else " (already locked)"
        console.print(f"origin (publish/upstream): {shown}")
    if evaluation.origin_reason:
        console.print(f"  {escape(evaluation.origin_reason)}", style="dim")
    table = Table(title_justify="left")
    table.add_column("Version\n[dim]status[/dim]", overflow="fold")
    table.add_column("Decision")
    table.add_column("Reason", overflow="fold", ratio=3)
    table.add_column("Facts (source)", overflow="fold", ratio=2)
    for row in rows:
        facts = [_published_text(row)]
        if row.archived_source is not None:
            facts.append(f"archived {iso(row.archived_at) or 'unknown'} ({row.archived_source})")
        table.add_row(
            f"{escape(row.version)}\n[dim]{row.status}[/dim]",
            f"[{ACTION_STYLES[row.action]}]{row.action}[/]",
            escape(row.reason),
            escape("\n".join(facts)),
        )
    console.print(table)
    console.print(f"{len(rows)} versions, {result.describes} DescribePackageVersion calls. Read-only.")


def _published_text(row: VersionFacts) -> str:
    from ca_lifecycle_cli.common import iso

    label = PUBLISHED_SOURCES.get(row.published_source, row.published_source)
    if row.published is not None:
        return f"published {iso(row.published)} ({label})"
    return f"publish time not read ({label})"
