"""``ca-lifecycle``: one command surface for the engine, the emulator and the demo.

Each sub-command lives in ``ca_lifecycle_cli.commands.<name>`` and exposes
``register(subparsers)``; heavy imports (boto3, rich, the emulator) happen inside the
command's run function so ``ca-lifecycle --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ca_lifecycle_cli.commands import apply, demo, emulator, explain, plan, schema, validate

EXIT_CODES_HELP = """exit codes:
  0  success
  1  some intended actions failed (apply)
  2  bad input: invalid policy, flag or argument
  3  AWS or access error: no credentials, not found, access denied, throttled, unreachable
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ca-lifecycle",
        description="Lifecycle automation for AWS CodeArtifact package versions: "
        "preview and apply retention policy (archive, dispose, origin lock).",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (validate, schema, plan, apply, explain, emulator, demo):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
