"""``ca-lifecycle restore``: move Archived versions back to Published, and hold them."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ca_lifecycle_cli.common import (
    EXIT_ACTIONS_FAILED,
    EXIT_CODES_EPILOG,
    EXIT_OK,
    LEDGER_HELP,
    guarded,
)

if TYPE_CHECKING:
    from ca_lifecycle.facts import PackageRef
    from ca_lifecycle.ledger import Ledger

DESCRIPTION = """\
Move the named Archived versions of one package back to Published
(UpdatePackageVersionsStatus, guarded by expectedStatus Archived and each version's
revision) and record a hold on each in the ledger, so no later run (the deployed worker
included) archives or disposes them while the hold lasts. The hold is recorded before the
status change: were the run killed in between, the version stays protected.

PACKAGE is DOMAIN/REPOSITORY/FORMAT/[NAMESPACE/]NAME, as for explain. A version already
Published gets the hold alone. --until ends the hold (an ISO-8601 time with a zone, or a
duration from now such as 30d); without it the hold lasts until removed. Holds show in
plan/explain as "held until …: REASON"; `ca-lifecycle holds` lists them.

Restoring is a person's decision: it is carried out whatever the policy's mode."""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "restore",
        help="move Archived versions back to Published and hold them (keep this one)",
        description=DESCRIPTION,
        epilog=f"{LEDGER_HELP}\n  (restore needs one: the hold is kept there)\n\n{EXIT_CODES_EPILOG}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("package", metavar="PACKAGE", help="DOMAIN/REPOSITORY/FORMAT/[NAMESPACE/]NAME")
    parser.add_argument(
        "--versions", nargs="+", required=True, metavar="VERSION", help="the versions to restore"
    )
    parser.add_argument("--reason", required=True, help="why: shown on every decision while held")
    parser.add_argument("--until", metavar="TIME|DURATION", help="end of the hold (default: until removed)")
    parser.add_argument(
        "--policy", metavar="FILE", help="the policy, for the domain owner it names (ledger keys)"
    )
    ledger = parser.add_mutually_exclusive_group(required=True)
    ledger.add_argument("--ledger", metavar="PATH", type=Path, help="local JSON ledger")
    ledger.add_argument("--ledger-table", metavar="NAME", help="DynamoDB ledger table")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    parser.set_defaults(run=run)


def parse_until(text: str | None, now: datetime) -> datetime | None:
    from ca_lifecycle.policy import parse_duration

    from ca_lifecycle_cli.common import CliError, parse_now

    if text is None:
        return None
    try:
        return now + parse_duration(text)
    except ValueError:
        pass
    try:
        moment = parse_now(text)
    except CliError:
        raise CliError(f"--until: {text!r} is neither a duration (30d) nor a time with a zone") from None
    if moment <= now:
        raise CliError(f"--until: {text!r} is in the past")
    return moment


@guarded
def run(args: argparse.Namespace) -> int:
    from ca_lifecycle.facts import Status
    from ca_lifecycle.gateway import WRITE_CHUNK, NotFound

    from ca_lifecycle_cli.commands.explain import parse_package_ref
    from ca_lifecycle_cli.common import (
        EXIT_AWS,
        CliError,
        default_owner,
        iso,
        load_document,
        make_gateway,
        open_ledger,
        policy_owner,
        print_json,
        stdout_console,
    )

    now = datetime.now(UTC)
    until = parse_until(args.until, now)
    reason = " ".join(args.reason.split())
    if not reason:
        raise CliError("--reason: empty: say why the versions are kept")
    package = parse_package_ref(args.package)
    owner = policy_owner(load_document(args.policy), package.domain) if args.policy else None
    gateway = make_gateway()
    package = parse_package_ref(args.package, owner or default_owner(args))
    try:
        listed = {fact.version: fact for fact in gateway.list_versions(package)}
    except NotFound as exc:
        raise CliError(f"no such package {package.display()}: {exc.message}", EXIT_AWS) from exc
    wanted = list(dict.fromkeys(args.versions))
    unknown = [v for v in wanted if v not in listed]
    if unknown:
        raise CliError(f"--versions: not versions of {package.display()}: {', '.join(unknown)}")
    restorable = (Status.ARCHIVED, Status.PUBLISHED)
    refused = [f"{v} ({listed[v].status.value})" for v in wanted if listed[v].status not in restorable]
    if refused:
        raise CliError(f"--versions: only Archived (or Published, to hold) versions: {', '.join(refused)}")
    outcomes: dict[str, str] = {}  # the text shown per version
    restored: list[str] = []
    failed: list[str] = []
    with open_ledger(args, required_for="restore") as ledger:
        _hold(ledger, package, wanted, reason, until)
        to_restore = {v: listed[v].revision or "" for v in wanted if listed[v].status is Status.ARCHIVED}
        for v in wanted:
            if v not in to_restore:
                outcomes[v] = "held (already Published)"
        names = sorted(to_restore)
        for start in range(0, len(names), WRITE_CHUNK):
            chunk = {v: to_restore[v] for v in names[start : start + WRITE_CHUNK]}
            write = gateway.update_status(package, chunk, Status.ARCHIVED, Status.PUBLISHED)
            for version in write.succeeded:
                outcomes[version] = "restored and held"
                restored.append(version)
            for version, (code, message) in write.failed.items():
                outcomes[version] = f"failed: {code} {message}".rstrip() + " (the hold stays)"
                failed.append(version)
        _forget_archives(ledger, package, restored)
    hold_text = "until removed" if until is None else f"until {iso(until)}"
    if args.json:
        print_json(
            {
                "package": package.display(),
                "reason": reason,
                "until": iso(until),
                "outcomes": outcomes,
            }
        )
    else:
        console = stdout_console()
        for version in wanted:
            console.print(f"{package.display()} {version}: {outcomes[version]}")
        console.print(f"Held {hold_text}: {reason}")
    return EXIT_ACTIONS_FAILED if failed else EXIT_OK


def _hold(
    ledger: Ledger, package: PackageRef, versions: list[str], reason: str, until: datetime | None
) -> None:
    from dataclasses import replace

    from ca_lifecycle.ledger import VersionRecord

    stored = ledger.load_package(package).versions
    ledger.record_versions(
        package,
        {
            v: replace(stored.get(v) or VersionRecord(), hold_reason=reason, held_until=until)
            for v in versions
        },
    )


def _forget_archives(ledger: Ledger, package: PackageRef, versions: list[str]) -> None:
    """Restored: the archive clock is over; a later archive starts a new one."""
    from dataclasses import replace

    if not versions:
        return
    stored = ledger.load_package(package).versions
    ledger.record_versions(
        package,
        {v: replace(stored[v], archived_at=None, archived_by_us=False) for v in versions if v in stored},
    )
