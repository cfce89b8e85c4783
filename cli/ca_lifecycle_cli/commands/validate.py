"""``ca-lifecycle validate POLICY...``: check policy files without touching AWS."""

from __future__ import annotations

import argparse
import sys
from typing import Any

DESCRIPTION = """\
Validate one or more policy files (.yaml, .yml or .json) against the v1 policy language.
Nothing is read from AWS. Every problem is reported, each on its own line on stderr, as
"error: FILE: FIELD.PATH: MESSAGE" (as plan, apply and explain report them), for example:

  error: policy.yaml: policies[0].archive[1].published_before: invalid duration '3x' (use e.g. 30d, 12h)

A valid file prints "OK: FILE (N policies, mode: dry-run|enforce)" on stdout."""

EPILOG = """\
exit codes:
  0  every file is valid
  2  at least one file is missing, unreadable or invalid

See `ca-lifecycle schema` for the JSON Schema to use in an editor."""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check policy files and print every error with its field path",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("policies", nargs="+", metavar="POLICY", help="policy file (.yaml, .yml or .json)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Imported here so `ca-lifecycle --help` does not pay for pydantic.
    from ca_lifecycle.policy import PolicyError, load_policy

    exit_code = 0
    for path in args.policies:
        try:
            document = load_policy(path)
        except PolicyError as exc:
            exit_code = 2
            for line in exc.lines():
                print(f"error: {line}", file=sys.stderr)
            continue
        count = len(document.policies)
        noun = "policy" if count == 1 else "policies"
        print(f"OK: {path} ({count} {noun}, mode: {document.mode})")
    return exit_code
