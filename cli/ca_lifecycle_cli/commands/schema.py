"""``ca-lifecycle schema``: print the JSON Schema of the policy language."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

DESCRIPTION = """\
Print the JSON Schema (draft 2020-12) of a policy file, for editors and other tools.
For example, with the YAML language server:

  # yaml-language-server: $schema=./policy.schema.json

The repository commits the same schema as schema/policy.schema.json; regenerate it with
`ca-lifecycle schema --output schema/policy.schema.json`."""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "schema",
        help="print the policy JSON Schema",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--output", "-o", metavar="FILE", type=Path, help="write the schema to FILE instead of stdout"
    )
    parser.set_defaults(run=run)


def render_schema() -> str:
    from ca_lifecycle.policy import policy_json_schema

    return json.dumps(policy_json_schema(), indent=2, ensure_ascii=False) + "\n"


def run(args: argparse.Namespace) -> int:
    text = render_schema()
    if args.output is None:
        print(text, end="")
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0
