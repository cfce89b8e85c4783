"""``ca-lifecycle usage``: the download history the ledger holds for one package (read-only)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ca_lifecycle_cli.common import EXIT_CODES_EPILOG, EXIT_OK, LEDGER_HELP, default_owner, guarded

DESCRIPTION = """\
Print what the ledger knows of one package's downloads (CloudTrail ReadFromRepository /
GetPackageVersionAsset reads, recorded by the deployed usage function; docs/usage.md): per
version the UTC day of its newest recorded download, the package's first and newest
tracked day, and the domain's read feed (tracked since: warm-up; newest read: silence).
Versions with no recorded download are not listed. Read-only.

PACKAGE is DOMAIN/REPOSITORY/FORMAT/[NAMESPACE/]NAME (as for explain)."""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "usage",
        help="the per-version download history the ledger holds for one package",
        description=DESCRIPTION,
        epilog=f"{LEDGER_HELP}\n\n{EXIT_CODES_EPILOG}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("package", metavar="PACKAGE", help="DOMAIN/REPOSITORY/FORMAT/[NAMESPACE/]NAME")
    parser.add_argument("--owner", metavar="ACCOUNT", help="the domain owner's account id (ledger key)")
    ledger = parser.add_mutually_exclusive_group(required=True)
    ledger.add_argument("--ledger", metavar="PATH", type=Path, help="local JSON ledger")
    ledger.add_argument("--ledger-table", metavar="NAME", help="DynamoDB ledger table")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    parser.set_defaults(run=run)


def history(ledger: Any, package: Any) -> dict[str, Any]:
    from ca_lifecycle_cli.common import iso

    record = ledger.load_package(package)
    stream = ledger.usage_stream(package.domain_owner, package.domain)
    versions = sorted(
        ((v, r.last_downloaded) for v, r in record.versions.items() if r.last_downloaded is not None),
        key=lambda pair: (pair[1], pair[0]),
        reverse=True,
    )
    return {
        "package": package.display(),
        "versions": [{"version": v, "last_downloaded": iso(at)} for v, at in versions],
        "tracked_since": iso(record.usage_tracked_since),
        "last_ingested": iso(record.usage_last_ingested),
        "domain_stream": {
            "tracked_since": iso(stream.tracked_since),
            "last_ingested": iso(stream.last_ingested),
        },
    }


@guarded
def run(args: argparse.Namespace) -> int:
    from ca_lifecycle_cli.commands.explain import parse_package_ref
    from ca_lifecycle_cli.common import CliError, open_ledger, print_json, stdout_console

    if args.ledger is not None and not args.ledger.exists():
        raise CliError(f"--ledger: {args.ledger} does not exist: no usage recorded there")
    package = parse_package_ref(args.package, args.owner or default_owner(args))
    with open_ledger(args) as ledger:
        document = history(ledger, package)
    if args.json:
        print_json(document)
        return EXIT_OK
    console = stdout_console()
    console.print(
        f"{document['package']}: tracked {document['tracked_since']} .. {document['last_ingested']}"
    )
    stream = document["domain_stream"]
    console.print(
        f"domain feed: tracked since {stream['tracked_since']}, newest read {stream['last_ingested']}"
    )
    if not document["versions"]:
        console.print("no download recorded")
    for row in document["versions"]:
        console.print(f"  {row['version']:<30} last downloaded {row['last_downloaded'][:10]}")
    return EXIT_OK
