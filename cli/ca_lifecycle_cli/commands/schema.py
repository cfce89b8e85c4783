"""``ca-lifecycle schema``: print the JSON Schema of the policy language."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

DESCRIPTION = """\
Print the JSON Schema (draft 2020-12) of a policy file, for editors and other tools.
For example, with the YAML language server:

  # yaml-language-server: $schema=./policy.schema.json

The repository commits the same schema as schema/policy.schema.json; regenerate it with
`ca-lifecycle schema --output schema/policy.schema.json`.

--document plan | explain: the schema of what `plan --json`/`apply --json` and
`explain --json` print instead (committed as schema/plan.schema.json and
schema/explain.schema.json)."""

EPILOG = """\
exit codes:
  0  the schema was printed or written
  2  --output cannot be written (one line: the file and the reason)"""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "schema",
        help="print the policy JSON Schema",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--output", "-o", metavar="FILE", type=Path, help="write the schema to FILE instead of stdout"
    )
    parser.add_argument(
        "--document",
        choices=("policy", "plan", "explain"),
        default="policy",
        help="which document: the policy file (default), or a command's --json output",
    )
    parser.set_defaults(run=run)


def render_schema(document: str = "policy") -> str:
    if document == "policy":
        from ca_lifecycle.policy import policy_json_schema

        schema = policy_json_schema()
    else:
        from ca_lifecycle_cli.output import output_schemas

        schema = output_schemas()[f"{document}.schema.json"]
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def run(args: argparse.Namespace) -> int:
    text = render_schema(args.document)
    if args.output is None:
        print(text, end="")
    else:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"error: --output: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    return 0
