"""``ca-lifecycle apply``: carry the plan out through the guarded gateway (mode: enforce only)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ca_lifecycle_cli.commands.plan import add_repository_argument
from ca_lifecycle_cli.common import (
    EXIT_ACTIONS_FAILED,
    EXIT_CODES_EPILOG,
    EXIT_OK,
    LEDGER_HELP,
    add_scan_arguments,
    guarded,
)

if TYPE_CHECKING:
    from ca_lifecycle.app.outcomes import Outcome
    from rich.console import Console

    from ca_lifecycle_cli.common import ScanReport

DESCRIPTION = """\
Evaluate every package in scope as `plan` does, then carry the decisions out: archive
(UpdatePackageVersionsStatus), dispose (DisposePackageVersions) and lock origins
(PutPackageOriginConfiguration). Every write carries expectedStatus and the listed
revision, so a version changed by someone else since the listing is skipped, not
overwritten ("skipped by guard"). Archive times are recorded in the ledger; that is what
later makes the versions disposable, so enforce mode needs --ledger or --ledger-table.

mode: dry-run (in the policy): prints the plan, changes nothing and exits 0.
mode: enforce: shows the plan and asks for confirmation on a terminal, unless --yes.
Without a terminal, --yes is required. Then prints each action's outcome: done, skipped
by guard (concurrent change) or failed with the API's error code.
--json: the plan document with an "outcome" per archive/dispose decision and origin.

Interactive confirmation is binding: apply then writes exactly the versions it listed (same
revision and status); anything new since the preview is skipped and reported. Ctrl-C
finishes the write in flight and records it, then stops and prints what was done (exit
130); a second Ctrl-C stops at once (the ledger's write intents let the next run learn
what that last call did). --plan FILE: the writes of a saved plan, exactly.

--now: apply records its archives at the time it makes them, so a --now that is not now is
refused unless --simulated-clock (a ledger kept to rehearse time, never the deployed one).

--sizes: also the bytes the disposals stop billing ("bytes_to_free" in the JSON summary),
read just before each dispose deletes the assets: one ListPackageVersionAssets call
(paged) per version to dispose; needs codeartifact:ListPackageVersionAssets."""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "apply",
        help="carry the plan out: archive, dispose, lock origins (mode: enforce)",
        description=DESCRIPTION,
        epilog=f"{LEDGER_HELP}\n  (apply in enforce mode refuses to run without one)\n\n{EXIT_CODES_EPILOG}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_scan_arguments(parser)
    add_repository_argument(parser)
    parser.add_argument("--yes", "-y", action="store_true", help="apply without asking for confirmation")
    parser.add_argument(
        "--plan",
        metavar="FILE",
        type=Path,
        help="make exactly the writes of a plan saved by `plan --out FILE` (same policy, not "
        "expired); what changed since is skipped and reported, nothing else is written",
    )
    parser.add_argument(
        "--simulated-clock",
        action="store_true",
        help="accept a --now that is not now and record it in the ledger as if it were: for a "
        "ledger kept to rehearse time (tests, demos), never the deployed one",
    )
    parser.set_defaults(run=run)


@guarded
def run(args: argparse.Namespace) -> int:
    from ca_lifecycle.policy import Mode

    from ca_lifecycle_cli.commands.plan import render_plan
    from ca_lifecycle_cli.common import (
        EXIT_INTERRUPTED,
        CliError,
        ScanReport,
        apply_clock,
        default_owner,
        deferred_interrupt,
        ledger_label,
        load_document,
        make_gateway,
        open_ledger,
        print_json,
        run_planned,
        run_scan,
        stderr_console,
        stdout_console,
    )

    clock = apply_clock(args)
    now = clock.now
    document = load_document(args.policy)
    enforce = document.mode is Mode.ENFORCE
    saved = None
    if args.plan is not None:
        from ca_lifecycle_cli.saved_plan import read_plan

        if args.repository:
            raise CliError("--plan and --repository: a saved plan already names its packages")
        saved = read_plan(args.plan, document, datetime.now(UTC))
    if enforce and not args.yes and saved is None and not sys.stdin.isatty():
        raise CliError(
            "mode is enforce and stdin is not a terminal: pass --yes to apply without confirmation"
        )
    # Human output goes to stdout; with --json, stdout holds the document alone.
    console = stderr_console() if args.json else stdout_console()
    from ca_lifecycle_cli.commands.upcoming import price

    per_gb = price(args)
    gateway = make_gateway(sizes=args.sizes)
    owner = default_owner(args)
    with open_ledger(args, required_for="apply in enforce mode" if enforce else None) as ledger:

        def scan(apply: bool, report: ScanReport | None = None, **extra: Any) -> ScanReport:
            if report is None:
                report = ScanReport(mode=document.mode.value, now=now, targets=[], price_per_gb_month=per_gb)
            return run_scan(
                document,
                gateway,
                ledger,
                now,
                repositories=args.repository,
                apply=apply,
                report=report,
                default_owner=owner,
                sizes=args.sizes,
                **extra,
            )

        if not enforce:
            plan = scan(apply=False)
            if args.json:
                print_json(plan.document())
            else:
                render_plan(plan, console, args.policy, ledger_label(args))
            stderr_console().print(
                f"mode is {document.mode.value}: nothing was changed "
                "(set mode: enforce in the policy to apply)."
            )
            return EXIT_OK
        allowed = None
        if saved is None and not args.yes:
            preview = scan(apply=False)
            render_plan(preview, console, args.policy, ledger_label(args))
            if not _confirm(preview):
                stderr_console().print("Aborted: nothing was changed.")
                return EXIT_OK
            # Exactly what was shown: a version the confirmation did not list is not written.
            allowed = preview.confirmed_writes()
        report = ScanReport(mode=document.mode.value, now=now, targets=[], price_per_gb_month=per_gb)
        # --sizes: also measure each domain's stored bytes around the run (DescribeDomain).
        before = _domain_bytes(gateway, document, owner) if args.sizes else {}
        with deferred_interrupt() as should_stop:
            try:
                if saved is not None:
                    run_planned(
                        document, gateway, ledger, now, plan=saved, report=report, should_stop=should_stop
                    )
                else:
                    scan(apply=True, report=report, allowed=allowed, should_stop=should_stop)
            except (Exception, KeyboardInterrupt):
                # What was done before the error (or a second Ctrl-C) is in the ledger and in
                # CodeArtifact: show it too, then the error line.
                if report.results:
                    render_outcomes(report, stderr_console())
                _record(report, ledger, document, before=before, gateway=gateway, owner=owner)
                raise
        run_id = _record(report, ledger, document, before=before, gateway=gateway, owner=owner)
    if run_id is not None and not args.json:
        stderr_console().print(f"Run recorded in the ledger as {run_id} (ca-lifecycle report).")
    if args.json:
        print_json(report.document())
    else:
        render_outcomes(report, console)
    if report.interrupted:
        stderr_console().print(
            "Interrupted: stopped after the write in flight; everything done is recorded above "
            "and in the ledger. Run apply again to continue."
        )
        return EXIT_INTERRUPTED
    return EXIT_ACTIONS_FAILED if report.failures() else EXIT_OK


def _domain_bytes(gateway: Any, document: Any, owner: str | None) -> dict[str, int]:
    """DescribeDomain.assetSizeBytes of every policy domain (one call each)."""
    return {
        domain: gateway.domain_asset_bytes(domain, dom_owner or owner)
        for domain, dom_owner in document.domains()
    }


def _record(
    report: ScanReport, ledger: Any, document: Any, *, before: dict[str, int], gateway: Any, owner: str | None
) -> str | None:
    """The run record of what this apply wrote (None when it wrote nothing)."""
    from ca_lifecycle.app.runs import build_run, record_run

    after = _domain_bytes(gateway, document, owner) if before else {}
    run = build_run(
        report.results,
        trigger="cli-apply",
        document=document,
        now=report.now,
        sizes=report.asset_bytes,
        domain_bytes={d: (before[d], after[d]) for d in before if d in after},
    )
    return run.run_id if record_run(ledger, run) and run is not None else None


def _confirm(preview: ScanReport) -> bool:
    total = preview.summary()
    actions = total["actions"]
    changes = actions["archive"] + actions["dispose"] + total["origins_to_lock"]
    if not changes:
        return True  # nothing to confirm: the apply pass may write nothing but origin locks shown
    sys.stderr.write(
        f"Archive {actions['archive']}, dispose {actions['dispose']} version(s) and lock "
        f"{total['origins_to_lock']} origin(s)? [y/N] "
    )
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    return answer in {"y", "yes"}


OUTCOME_STYLES = {"done": "green", "skipped": "yellow", "failed": "red", "not attempted": "red"}


def render_outcomes(report: ScanReport, console: Console) -> None:
    """Each intended action and what became of it, per repository, then one line of totals."""
    from ca_lifecycle.app.outcomes import NOT_ATTEMPTED
    from ca_lifecycle.facts import Action
    from rich.markup import escape
    from rich.table import Table

    from ca_lifecycle_cli.common import iso, package_label

    console.print(f"[bold]Applied[/bold]: mode {report.mode}, now {iso(report.now)}")
    tables: dict[tuple[str, str], Table] = {}
    for result in report.results:
        where = (result.package.domain, result.package.repository)
        table = tables.get(where)
        if table is None:
            table = tables[where] = Table(title=f"{where[0]}/{where[1]}: outcomes", title_justify="left")
            # Package folds like plan's: unwrappable, a long name squeezed the other columns to
            # nothing and hid every outcome. Action is short and must stay whole.
            table.add_column("Package", overflow="fold", ratio=2)
            table.add_column("Version", overflow="fold", ratio=1)
            table.add_column("Action", no_wrap=True)
            table.add_column("Outcome", overflow="fold", ratio=3)
        label = package_label(result.package)
        for decision in result.evaluation.decisions:
            if (
                decision.action not in (Action.ARCHIVE, Action.DISPOSE)
                and decision.version not in result.outcomes
            ):
                continue
            outcome = result.outcome_of(decision)
            table.add_row(label, escape(decision.version), decision.action.value, _styled(outcome))
        target = result.evaluation.origin_target
        if result.evaluation.origin_change_needed and target is not None:
            outcome = result.origin_outcome or NOT_ATTEMPTED
            table.add_row(label, f"{target.publish.value}/{target.upstream.value}", "lock", _styled(outcome))
    for table in tables.values():
        if table.row_count:
            console.print(table)
    counts = report.outcome_counts()
    console.print(
        f"{counts.get('done', 0)} done, {counts.get('skipped', 0)} skipped by guard, "
        f"{counts.get('failed', 0) + counts.get('not attempted', 0)} failed."
    )
    if report.asset_bytes is not None:
        from ca_lifecycle_cli.sizes import human_bytes

        # asset_bytes holds only versions to dispose, so "done" here means disposed.
        done = {(r.package, v) for r in report.results for v, o in r.outcomes.items() if o.done}
        freed = sum(size for key, size in report.asset_bytes.items() if key in done)
        console.print(f"Disposed versions no longer billed: {human_bytes(freed)} ({freed} bytes).")


def _styled(outcome: Outcome) -> str:
    from rich.markup import escape

    return f"[{OUTCOME_STYLES.get(outcome.kind.value, 'red')}]{escape(str(outcome))}[/]"
