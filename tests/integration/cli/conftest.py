"""Fixtures of the CLI suite: the emulator loaded from ``seed.yaml`` and a runner that starts
``ca-lifecycle`` as a subprocess against it, exactly as a person would run it.

The subprocess gets a clean environment (no inherited AWS settings, HOME in a temporary
folder so no ~/.aws is read): only the emulator endpoint, dummy credentials and a region,
plus whatever a test adds or removes.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from ca_emulator import Emulator
from cli_support import SEED, CliRunner, Run, base_env


@pytest.fixture
def seeded(emulator: Emulator) -> Emulator:
    """Given the emulator loaded with ``seed.yaml`` (every rule kind, see policy.yaml)."""
    emulator.load_seed_file(SEED)
    emulator.reset_stats()
    return emulator


@pytest.fixture
def cli(seeded: Emulator, tmp_path: Path) -> CliRunner:
    """Run ``ca-lifecycle ARGS…`` as a subprocess; ``env`` overrides (None removes a variable)."""

    def run(*args: str | Path, env: Mapping[str, str | None] | None = None, stdin: str = "") -> Run:
        environment = base_env(tmp_path, seeded.endpoint)
        for key, value in (env or {}).items():
            if value is None:
                environment.pop(key, None)
            else:
                environment[key] = value
        done = subprocess.run(
            [sys.executable, "-m", "ca_lifecycle_cli.main", *map(str, args)],
            input=stdin,
            capture_output=True,
            text=True,
            env=environment,
            timeout=120,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    return run
