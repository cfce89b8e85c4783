"""``ca-lifecycle``: one command surface for the engine, the emulator and the demo.

Each sub-command lives in ``ca_lifecycle_cli.commands.<name>`` and exposes
``register(subparsers)``; heavy imports (boto3, rich, the emulator) happen inside the
command's run function so ``ca-lifecycle --help`` stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ca_lifecycle_cli.commands import (
    apply,
    demo,
    emulator,
    explain,
    holds,
    plan,
    report,
    restore,
    schema,
    upcoming,
    usage,
    validate,
)
from ca_lifecycle_cli.common import EXIT_BROKEN_PIPE, EXIT_CODES_EPILOG, EXIT_INTERRUPTED, silence_stdout


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ca-lifecycle",
        description="Lifecycle automation for AWS CodeArtifact package versions: "
        "preview and apply retention policy (archive, dispose, origin lock).",
        epilog=EXIT_CODES_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (
        validate,
        schema,
        plan,
        apply,
        explain,
        upcoming,
        report,
        usage,
        restore,
        holds,
        emulator,
        demo,
    ):
        module.register(sub)
    return parser


def _version() -> str:
    """The installed distribution's version: what a bug report or a pinned CI image needs."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("codeartifact-lifecycle")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def adopt_aws_region(environ: dict[str, str] | os._Environ[str]) -> None:
    """Make ``AWS_REGION`` work as in every other AWS SDK and the Lambda runtime.

    botocore reads only ``AWS_DEFAULT_REGION``; a user who exported the SDK-standard
    ``AWS_REGION`` would otherwise be told no region is configured. An explicit
    ``AWS_DEFAULT_REGION`` still wins.
    """
    region = environ.get("AWS_REGION")
    if region and not environ.get("AWS_DEFAULT_REGION"):
        environ["AWS_DEFAULT_REGION"] = region


def main(argv: Sequence[str] | None = None) -> int:
    try:
        adopt_aws_region(os.environ)
        parser = build_parser()
        args = parser.parse_args(argv)
        result: int = args.run(args)
        sys.stdout.flush()  # a broken pipe surfaces here, not in the interpreter's exit flush
    except KeyboardInterrupt:
        # Every command (and the imports before one runs): one line, the shell's 128 + SIGINT.
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: stop quietly, as a shell tool would.
        silence_stdout()
        return EXIT_BROKEN_PIPE
    return result


if __name__ == "__main__":
    sys.exit(main())
