"""``ca-lifecycle plan``: what the policy would do to every package in scope, and why. Read-only."""

from __future__ import annotations

import argparse
from pathlib import Path
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
    from ca_lifecycle.app.package import PackageResult
    from rich.console import Console

    from ca_lifecycle_cli.common import ScanReport

DESCRIPTION = """\
Evaluate the policy against every package in its scope (domains, repositories, package
patterns) exactly as the deployed worker would, and show the decision for every version:
archive, dispose, keep, skip (a guardrail or a missing publish time stopped an action) or
none (no rule applies), each with the rule that produced it. Also the origin configuration
each package would be locked to.

Nothing is changed: plan makes only List/Describe calls, whatever the policy's mode. The
ledger may learn publish times and first-seen archive times (observations, recorded at the
real time); with --now (a what-if clock) the ledger is read and nothing is written to it.

--out FILE: save exactly the writes shown, each with its revision and expected status, for
`apply --plan FILE`, which makes those writes and no others.

Human output: a summary per repository, then the actions and origin locks with reasons.
--json: one document {"mode", "now", "decisions", "origins", "summary"} on stdout.

--sizes: also the bytes that would stop being billed (disposing deletes a version's assets),
per repository and in total ("bytes_to_free" in the JSON summary). It costs one
ListPackageVersionAssets call (paged) per version to dispose, and needs the permission
codeartifact:ListPackageVersionAssets."""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="show what the policy would archive, dispose and lock, and why (read-only)",
        description=DESCRIPTION,
        epilog=f"{LEDGER_HELP}\n\n{EXIT_CODES_EPILOG}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_scan_arguments(parser)
    add_repository_argument(parser)
    parser.add_argument(
        "--out",
        metavar="FILE",
        type=Path,
        help="also save the plan's writes (version, revision, expected status, action, reason), "
        "the policy's digest and an expiry to FILE, for `apply --plan FILE`",
    )
    parser.add_argument(
        "--expires",
        metavar="DURATION",
        default="24h",
        help="how long a saved plan may be applied, e.g. 2h, 7d (default 24h)",
    )
    parser.set_defaults(run=run)


def add_repository_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--repository",
        action="append",
        default=[],
        metavar="NAME",
        help="only this repository (repeatable); it must be in some policy's scope",
    )


@guarded
def run(args: argparse.Namespace) -> int:
    from ca_lifecycle_cli.common import (
        ledger_label,
        load_document,
        make_gateway,
        open_ledger,
        preview_clock,
        print_json,
        run_scan,
        stderr_console,
        stdout_console,
    )
    from ca_lifecycle_cli.saved_plan import parse_expiry, write_plan

    clock = preview_clock(args)
    expires_in = parse_expiry(args.expires)
    from ca_lifecycle_cli.commands.upcoming import price

    document = load_document(args.policy)
    gateway = make_gateway(sizes=args.sizes)
    owner = default_owner(args)
    with open_ledger(args) as ledger:
        report = run_scan(
            document,
            gateway,
            ledger,
            clock.now,
            repositories=args.repository,
            default_owner=owner,
            apply=False,
            sizes=args.sizes,
            read_only=clock.read_only,
        )
    report.price_per_gb_month = price(args)
    if args.out is not None:
        saved = write_plan(args.out, report, document, args.policy, expires_in)
        stderr_console().print(
            f"Saved plan: {saved.count} write(s) to {args.out}, valid until {saved.expires_text}; "
            f"apply exactly these with: ca-lifecycle apply --policy {args.policy} --plan {args.out}"
        )
    if args.json:
        print_json(report.document())
    else:
        console = stdout_console()
        render_plan(report, console, args.policy, ledger_label(args))
        console.print("Read-only: nothing was changed.")
    return EXIT_OK


# ------------------------------------------------------------------------------ rendering

ACTION_STYLES = {"archive": "yellow", "dispose": "red", "skip": "magenta", "keep": "green", "none": "dim"}


def render_plan(report: ScanReport, console: Console, policy_path: str, ledger: str) -> None:
    """Header, the per-repository summary, then per repository its actions and origin locks."""
    from rich.markup import escape

    from ca_lifecycle_cli.common import iso

    console.print(f"[bold]Plan[/bold] for {policy_path}")
    console.print(f"mode: [bold]{report.mode}[/bold]   now: {iso(report.now)}")
    console.print(f"ledger: {escape(ledger)}")
    render_summary(report, console)
    by_repository: dict[tuple[str, str], list[PackageResult]] = {}
    for result in report.results:
        by_repository.setdefault((result.package.domain, result.package.repository), []).append(result)
    for (domain, repository), results in by_repository.items():
        render_actions(f"{domain}/{repository}", results, console)
        render_origins(f"{domain}/{repository}", results, console)
    total = report.summary()
    actions = total["actions"]
    console.print(
        f"Total: {actions['archive']} to archive, {actions['dispose']} to dispose, "
        f"{actions['keep']} kept, {actions['skip']} skipped, {total['origins_to_lock']} origins to lock."
    )
    console.print(
        f"Scanned {total['packages']} packages, {total['versions']} versions "
        f"({total['describes']} DescribePackageVersion calls)."
    )
    if "bytes_to_free" in total:
        from ca_lifecycle_cli.sizes import human_bytes

        freed = total["bytes_to_free"]
        console.print(f"Disposing frees {human_bytes(freed)} of assets ({freed} bytes).")
        from ca_lifecycle.app.runs import usd

        console.print(
            "Upper bound: assets are stored once per domain. About "
            f"{usd(total['monthly_cost_upper_bound_usd'])}/month "
            f"at ${total['price_per_gb_month_usd']}/GB-month."
        )


def render_summary(report: ScanReport, console: Console) -> None:
    from rich.table import Table

    from ca_lifecycle_cli.common import status_text

    table = Table(title="Summary per repository", title_justify="left", show_lines=True)
    table.add_column("Repository", overflow="fold")
    table.add_column("Pkgs", justify="right")
    table.add_column("Versions", justify="right")
    # --sizes: the bytes under the dispose count (a ninth column would squeeze the others at
    # 80 columns); without it the table is exactly as before.
    sized = report.asset_bytes is not None
    for heading in ("Archive", "Dispose\n[dim]frees[/dim]" if sized else "Dispose", "Keep", "Skip", "Lock"):
        table.add_column(heading, justify="right")
    for row in report.summary()["repositories"]:
        actions = row["actions"]
        dispose = str(actions["dispose"])
        if sized:
            from ca_lifecycle_cli.sizes import human_bytes

            dispose += f"\n[dim]{human_bytes(row['bytes_to_free'])}[/dim]"
        table.add_row(
            f"{row['domain']}/{row['repository']}",
            str(row["packages"]),
            status_text(row["by_status"]),
            str(actions["archive"]),
            dispose,
            str(actions["keep"]),
            str(actions["skip"]),
            str(row["origins_to_lock"]),
        )
    if not report.targets:
        console.print("No repository is in the scope of the policy.")
        return
    console.print(table)


def render_actions(where: str, results: list[PackageResult], console: Console) -> None:
    """The versions something happens to (archive, dispose) or was stopped from (skip)."""
    from rich.markup import escape
    from rich.table import Table

    from ca_lifecycle_cli.common import package_label

    shown = {"archive", "dispose", "skip"}
    table = Table(title=f"{where}: actions", title_justify="left")
    table.add_column("Package", overflow="fold")
    table.add_column("Version\n[dim]status[/dim]", overflow="fold")
    table.add_column("Action")
    table.add_column("Reason", overflow="fold")
    rows = 0
    for result in results:
        for decision in result.evaluation.decisions:
            action = decision.action.value
            if action not in shown:
                continue
            rows += 1
            table.add_row(
                package_label(result.package),
                f"{escape(decision.version)}\n[dim]{decision.status.value}[/dim]",
                f"[{ACTION_STYLES[action]}]{action}[/]",
                escape(decision.reason),
            )
    if rows:
        console.print(table)
    else:
        console.print(f"{where}: no version to archive, dispose or skip.")


def render_origins(where: str, results: list[PackageResult], console: Console) -> None:
    from rich.table import Table

    from ca_lifecycle_cli.common import package_label

    table = Table(title=f"{where}: origin locks", title_justify="left")
    table.add_column("Package", overflow="fold")
    table.add_column("Current (publish/upstream)")
    table.add_column("Target")
    for result in results:
        if not result.evaluation.origin_change_needed or result.evaluation.origin_target is None:
            continue
        current = result.current_origin
        target = result.evaluation.origin_target
        table.add_row(
            package_label(result.package),
            "none" if current is None else f"{current.publish.value}/{current.upstream.value}",
            f"{target.publish.value}/{target.upstream.value}",
        )
    if table.row_count:
        console.print(table)
