"""``ca-lifecycle report``: what runs archived and disposed, when, by which rule, what failed."""

from __future__ import annotations

import argparse
import csv
import sys
from typing import TYPE_CHECKING, Any

from ca_lifecycle_cli.common import EXIT_CODES_EPILOG, EXIT_OK, LEDGER_HELP, guarded

if TYPE_CHECKING:
    from ca_lifecycle.ledger.runs import RunRecord

DESCRIPTION = """\
Read the run records back from the ledger: every worker batch and apply run that wrote
something leaves one (id, trigger, policy digest, counts by action and outcome, each version
written with its rule and outcome, bytes). Bytes of a disposal are an upper bound (CodeArtifact
stores an asset once per domain; another version or repository may still hold it); when a run
measured DescribeDomain.assetSizeBytes before and after, the measured change is shown too.
--csv: one row per written version; --json: one document."""

CSV_FIELDS = (
    "run_id",
    "at",
    "trigger",
    "policy_digest",
    "mode",
    "domain",
    "repository",
    "format",
    "namespace",
    "package",
    "version",
    "action",
    "rule",
    "outcome",
    "bytes",
)


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "report",
        help="what runs archived and disposed (from the ledger's run records)",
        description=DESCRIPTION,
        epilog=f"{LEDGER_HELP}\n\n{EXIT_CODES_EPILOG}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--since", default="7d", metavar="DURATION", help="how far back (default 7d)")
    parser.add_argument("--now", metavar="ISO-8601", help="the end of the period (default: now)")
    ledger = parser.add_mutually_exclusive_group(required=True)
    ledger.add_argument("--ledger", metavar="PATH", help="local JSON ledger file")
    ledger.add_argument("--ledger-table", metavar="NAME", help="DynamoDB ledger table")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="one JSON document on stdout")
    output.add_argument("--csv", action="store_true", help="CSV on stdout, one row per written version")
    parser.add_argument(
        "--price-per-gb-month", type=float, default=None, metavar="USD", help="storage price (default 0.05)"
    )
    parser.set_defaults(run=run)


def document(runs: list[RunRecord], since: Any, until: Any, per_gb: float) -> dict[str, Any]:
    from ca_lifecycle.app.runs import monthly_cost

    from ca_lifecycle_cli.common import iso

    counts: dict[str, dict[str, int]] = {}
    for run in runs:
        for action, outcomes in run.counts().items():
            for outcome, n in outcomes.items():
                counts.setdefault(action, {}).setdefault(outcome, 0)
                counts[action][outcome] += n
    upper = sum(run.bytes_upper_bound() for run in runs)
    measured: dict[str, int] = {}
    for run in runs:
        for domain, (before, after) in run.domain_bytes.items():
            measured[domain] = measured.get(domain, 0) + (before - after)
    return {
        "since": iso(since),
        "until": iso(until),
        "runs": [
            {
                "run_id": run.run_id,
                "at": iso(run.at),
                "trigger": run.trigger,
                "policy_digest": run.policy_digest,
                "mode": run.mode,
                "counts": run.counts(),
                "bytes_upper_bound": run.bytes_upper_bound(),
                "measured_domain_bytes_freed": {d: b - a for d, (b, a) in run.domain_bytes.items()},
                "versions": [v.as_dict() for v in run.versions],
            }
            for run in runs
        ],
        "summary": {
            "runs": len(runs),
            "versions": sum(len(run.versions) for run in runs),
            "counts": counts,
            # Assets are stored once per domain: disposals free at most this much ...
            "bytes_upper_bound": upper,
            "monthly_cost_upper_bound_usd": monthly_cost(upper, per_gb),
            # ... and DescribeDomain.assetSizeBytes, measured around the runs that read it, fell this much.
            "measured_domain_bytes_freed": measured,
            "measured_monthly_cost_usd": {d: monthly_cost(b, per_gb) for d, b in measured.items()},
            "price_per_gb_month_usd": per_gb,
        },
    }


@guarded
def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ca_lifecycle.ledger import DynamoDBLedger, Ledger, LocalLedger
    from ca_lifecycle.ledger.runs import RunLog

    from ca_lifecycle_cli.commands.upcoming import parse_within, price
    from ca_lifecycle_cli.common import CliError, iso, parse_now, print_json

    until = parse_now(args.now)
    since = until - parse_within(args.since)
    per_gb = price(args)
    ledger: Ledger
    if args.ledger_table:
        ledger = DynamoDBLedger(args.ledger_table)
    else:
        path = Path(args.ledger)
        if not path.is_file():
            raise CliError(f"--ledger: {path} does not exist: no runs recorded there")
        ledger = LocalLedger(path)
    assert isinstance(ledger, RunLog)
    runs = ledger.runs(since, until)
    doc = document(runs, since, until, per_gb)
    if args.json:
        print_json(doc)
    elif args.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        for record in runs:
            for version in record.versions:
                writer.writerow(
                    {
                        "run_id": record.run_id,
                        "at": iso(record.at),
                        "trigger": record.trigger,
                        "policy_digest": record.policy_digest,
                        "mode": record.mode,
                        **version.as_dict(),
                    }
                )
    else:
        _print_text(doc, per_gb)
    return EXIT_OK


def _print_text(doc: dict[str, Any], per_gb: float) -> None:
    from ca_lifecycle.app.runs import usd

    summary = doc["summary"]
    print(
        f"{summary['runs']} run(s) from {doc['since']} to {doc['until']}, "
        f"{summary['versions']} version(s) written"
    )
    for entry in doc["runs"]:
        print(f"- {entry['at']} {entry['trigger']} run {entry['run_id']} ({entry['policy_digest']})")
        print(f"  counts: {entry['counts']}")
        for v in entry["versions"]:
            ns = f"{v['namespace']}/" if v["namespace"] else ""
            size = "" if v["bytes"] is None else f", {v['bytes']} bytes"
            where = f"{v['domain']}/{v['repository']}/{v['format']}/{ns}{v['package']}@{v['version']}"
            print(f"    {v['action']} {where} by {v['rule']}: {v['outcome']}{size}")
    print(
        f"Disposed bytes (upper bound: assets are stored once per domain): {summary['bytes_upper_bound']}, "
        f"about {usd(summary['monthly_cost_upper_bound_usd'])}/month at ${per_gb}/GB-month"
    )
    for domain, freed in summary["measured_domain_bytes_freed"].items():
        cost = summary["measured_monthly_cost_usd"][domain]
        print(f"Measured DescribeDomain.assetSizeBytes decrease, {domain}: {freed} bytes ({usd(cost)}/month)")
