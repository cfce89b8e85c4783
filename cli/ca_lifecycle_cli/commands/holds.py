"""``ca-lifecycle holds``: every version a hold keeps, from the ledger. Read-only."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ca_lifecycle_cli.common import EXIT_CODES_EPILOG, EXIT_OK, LEDGER_HELP, guarded

DESCRIPTION = """\
List the holds the ledger records: those `ca-lifecycle restore` set, and those the engine
set itself when someone moved a version it had archived back to Published (it holds such a
version for guardrails.restore_hold, default 30d, instead of archiving it again). Expired
holds are listed too, marked expired: they no longer keep anything."""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "holds",
        help="list held versions (kept whatever the policy says) from the ledger",
        description=DESCRIPTION,
        epilog=f"{LEDGER_HELP}\n\n{EXIT_CODES_EPILOG}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ledger = parser.add_mutually_exclusive_group(required=True)
    ledger.add_argument("--ledger", metavar="PATH", type=Path, help="local JSON ledger")
    ledger.add_argument("--ledger-table", metavar="NAME", help="DynamoDB ledger table")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    parser.set_defaults(run=run)


@guarded
def run(args: argparse.Namespace) -> int:
    from ca_lifecycle_cli.common import CliError, iso, open_ledger, print_json, stdout_console

    if args.ledger is not None and not args.ledger.exists():
        raise CliError(f"--ledger: {args.ledger} does not exist")
    now = datetime.now(UTC)
    with open_ledger(args) as ledger:
        held = ledger.holds()
    rows = [
        {
            "package": h.package_key.removeprefix("PKG#"),
            "version": h.version,
            "until": iso(h.record.held_until),
            "reason": h.record.hold_reason,
            "active": h.record.hold_active(now),
        }
        for h in held
    ]
    if args.json:
        print_json({"now": iso(now), "holds": rows})
        return EXIT_OK
    console = stdout_console()
    if not rows:
        console.print("No holds.")
        return EXIT_OK
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Holds", title_justify="left")
    for column in ("Package", "Version", "Until", "Reason"):
        table.add_column(column, overflow="fold")
    for h in held:
        until = iso(h.record.held_until) or "removed"
        if not h.record.hold_active(now):
            until += " (expired)"
        package = h.package_key.removeprefix("PKG#")
        table.add_row(escape(package), escape(h.version), until, escape(h.record.hold_reason or ""))
    console.print(table)
    return EXIT_OK
