"""``ca-lifecycle emulator``: serve the local CodeArtifact emulator until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType
from typing import Any

DESCRIPTION = """\
Serve a local CodeArtifact (REST-JSON, the real boto3 client talks to it) on HOST:PORT,
optionally loaded from a seed file (YAML or JSON; the README's "Reading a plan" describes the
format, tests/integration/cli/seed.yaml is a complete example). The first line
on stdout is

  CODEARTIFACT_ENDPOINT=http://HOST:PORT

so a script can `export AWS_ENDPOINT_URL_CODEARTIFACT=...` from it. Introspection and fault
injection live under http://HOST:PORT/_emulator/ (GET stats, POST reset, GET/POST faults,
GET events). Runs until SIGINT (Ctrl-C) or SIGTERM."""

EPILOG = """\
exit codes:
  0  stopped by SIGINT/SIGTERM
  2  bad seed file (the message names the field) or the address is unavailable"""


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: use 0-65535 (0 picks a free one)")
    return port


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "emulator",
        help="serve a local CodeArtifact emulator (for tests and demos)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=_port, default=0, help="port to listen on, 0-65535; 0 picks a free one (default)"
    )
    parser.add_argument("--seed", metavar="FILE", help="seed file (.yaml, .yml or .json) to load first")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Imported here so `ca-lifecycle --help` does not pay for botocore's service model.
    from ca_emulator import Emulator, SeedError, load_seed

    try:
        emulator = load_seed(args.seed) if args.seed else Emulator()
    except SeedError as exc:
        # One line: the file, then the field path and the problem.
        message = str(exc)
        line = message if message.startswith(args.seed) else f"{args.seed}: {message}"
        print(f"error: {line}", file=sys.stderr)
        return 2
    try:
        endpoint = emulator.start(args.host, args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    print(f"CODEARTIFACT_ENDPOINT={endpoint}", flush=True)
    try:
        # A timed wait keeps the main thread responsive to signals on every platform.
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
