"""``ca-lifecycle demo``: the whole pipeline on the embedded emulator, offline, in under a minute."""

from __future__ import annotations

import argparse
from typing import Any

DESCRIPTION = """\
Run the event-driven pipeline end to end on this machine, with no AWS account:
an embedded CodeArtifact emulator seeded with a realistic domain (npm, pypi, maven and
generic packages, hundreds of versions, prereleases, one ALLOW/ALLOW package), moto's
EventBridge rule and SQS queue, the real sweep and worker Lambda handlers, and a local
ledger file. Three stages: (1) sweep: archive and origin lock, (2) publish new versions:
events flow to the worker, (3) advance the clock past archived_for and sweep: dispose.
Each stage prints what happened to which versions and why."""

EPILOG = """\
exit codes:
  0    every stage ran and every intended action succeeded
  1    some action failed or a message reached the dead-letter queue (the output says which)
  130  interrupted (Ctrl-C)"""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the whole pipeline on the embedded emulator (offline)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="keep the ledger file in DIR (default: a temporary directory, removed afterwards)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from ca_lifecycle_cli.common import EXIT_BAD_INPUT

    if args.keep is not None:
        try:
            Path(args.keep).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            print(f"error: --keep: cannot use {args.keep}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    from ca_lifecycle_cli.demo import run_demo  # heavy: moto, boto3, rich, the emulator

    return run_demo(keep=args.keep)
