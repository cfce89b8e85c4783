"""``ca-lifecycle upcoming``: what the next digest would announce, read-only."""

from __future__ import annotations

import argparse
from typing import Any

from ca_lifecycle_cli.common import (
    EXIT_CODES_EPILOG,
    EXIT_OK,
    LEDGER_HELP,
    add_scan_arguments,
    default_owner,
    guarded,
)

DESCRIPTION = """\
Show, per domain, what will be archived and disposed within --within (default 14d): per
repository and package, with the rule and the earliest date; what runs did since the last
delivered digest; holds; failures. The same computation as the digest Lambda, but read-only:
nothing is published and no version is recorded as announced (a dispose notice only starts
when a digest is delivered). --sizes adds each disposal's asset bytes: an upper bound, as
CodeArtifact stores an asset once per domain."""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "upcoming",
        help="what the next digest would announce (coming archives and disposals), read-only",
        description=DESCRIPTION,
        epilog=f"{LEDGER_HELP}\n\n{EXIT_CODES_EPILOG}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_scan_arguments(parser)
    parser.add_argument("--within", default="14d", metavar="DURATION", help="how far ahead (default 14d)")
    parser.set_defaults(run=run)


def parse_within(text: str) -> Any:
    from ca_lifecycle.policy import parse_duration

    from ca_lifecycle_cli.common import CliError

    try:
        return parse_duration(text)
    except ValueError:
        raise CliError(f"--within: expected a duration such as 14d, 12h or 2w, got {text!r}") from None


def price(args: argparse.Namespace) -> float:
    from ca_lifecycle.app.runs import DEFAULT_PRICE_PER_GB_MONTH

    from ca_lifecycle_cli.common import CliError

    value = DEFAULT_PRICE_PER_GB_MONTH if args.price_per_gb_month is None else args.price_per_gb_month
    if value <= 0:
        raise CliError(f"--price-per-gb-month: must be positive, got {value}")
    return float(value)


@guarded
def run(args: argparse.Namespace) -> int:
    from ca_lifecycle.app.digest import build_digests

    from ca_lifecycle_cli.common import load_document, make_gateway, open_ledger, parse_now, print_json

    within = parse_within(args.within)
    per_gb = price(args)
    now = parse_now(args.now)
    document = load_document(args.policy)
    gateway = make_gateway(sizes=args.sizes)
    sizes = gateway.version_asset_bytes if args.sizes else None
    with open_ledger(args) as ledger:
        digests = build_digests(
            document,
            gateway,
            ledger,
            now,
            within=within,
            default_owner=default_owner(args),
            sizes=sizes,
            price_per_gb_month=per_gb,
        )
    if args.json:
        print_json({"digests": [d.as_dict() for d in digests]})
    else:
        print("\n".join(d.text() for d in digests), end="")
    return EXIT_OK
