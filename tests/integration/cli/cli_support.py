"""Helpers of the CLI suite: paths, the finished-process value and the subprocess environment.

The subprocess gets a clean environment (no inherited AWS settings, HOME in a temporary
folder so no ~/.aws is read): only the emulator endpoint, dummy credentials and a region,
plus whatever a test adds or removes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ca_emulator import Emulator

HERE = Path(__file__).parent
SEED = HERE / "seed.yaml"
POLICY = HERE / "policy.yaml"
NOW = "2025-06-01T00:00:00Z"
MUTATING = (
    "UpdatePackageVersionsStatus",
    "DisposePackageVersions",
    "DeletePackageVersions",
    "PutPackageOriginConfiguration",
    "PublishPackageVersion",
)


@dataclass(frozen=True)
class Run:
    """A finished ``ca-lifecycle`` process."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


CliRunner = Callable[..., Run]


def base_env(tmp_path: Path, endpoint: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "AWS_ENDPOINT_URL_CODEARTIFACT": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def mutating_calls(emulator: Emulator) -> dict[str, int]:
    return {op: count for op, count in emulator.stats().items() if op in MUTATING and count}


def run_in_terminal(
    args: list[str],
    env: dict[str, str],
    answer: str,
    timeout: float = 60.0,
    before_answer: Callable[[], None] | None = None,
) -> Run:
    """Run ``ca-lifecycle ARGS…`` on a pseudo-terminal (stdin, stdout and stderr), typing
    ``answer`` at the first ``[y/N]`` prompt (after ``before_answer``, e.g. a concurrent change).
    Output is what a terminal would show, merged."""
    import pty
    import select
    import subprocess
    import sys
    import time

    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "ca_lifecycle_cli.main", *args],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=env,
    )
    os.close(terminal)
    output = b""
    answered = False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(controller, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
                if not answered and b"[y/N]" in output:
                    if before_answer is not None:
                        before_answer()
                    os.write(controller, answer.encode() + b"\n")
                    answered = True
            elif process.poll() is not None:
                break
        code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
    return Run(code, output.decode("utf-8", errors="replace"), "")
