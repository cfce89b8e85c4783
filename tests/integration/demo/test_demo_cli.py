"""``ca-lifecycle demo`` as a user runs it: a subprocess, offline, every stage in its output."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def _command() -> list[str]:
    script = Path(sys.executable).with_name("ca-lifecycle")
    if script.exists():
        return [str(script), "demo"]
    return [sys.executable, "-m", "ca_lifecycle_cli.main", "demo"]


@pytest.fixture(scope="module")
def demo_output(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str]:
    # Nothing may point the demo at a real endpoint or profile.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_ENDPOINT_URL", "AWS_PROFILE"))}
    env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "NO_COLOR": "1"})
    keep = tmp_path_factory.mktemp("demo")
    done = subprocess.run(
        [*_command(), "--keep", str(keep)],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def test_demo_succeeds(demo_output: tuple[int, str]) -> None:
    # Its speed is measured where load cannot fail it: `make bench` and the session note.
    code, output = demo_output
    assert code == 0, output[-3000:]
    assert "demo complete" in output
    assert "dead-lettered" not in output
    assert "Traceback" not in output


def _stage(output: str, number: int) -> str:
    start = output.index(f"Stage {number}:")
    end = output.find(f"Stage {number + 1}:", start)
    return output[start : end if end != -1 else len(output)]


def test_stage_1_sweep_archives_and_locks_the_allow_allow_package(
    demo_output: tuple[int, str],
) -> None:
    stage = _stage(demo_output[1], 1)
    assert re.search(r"npm/acme/widgets .* archive .* beyond_newest: 40 .* done", stage)
    assert re.search(r"published_before: 365d", stage)
    assert re.search(r"npm/acme/legacy-sdk .* origin lock .* ALLOW/ALLOW → ALLOW/BLOCK", stage)
    assert re.search(r"archived: [1-9]\d*", stage)
    assert "origins locked: 1" in stage


def test_stage_2_events_archive_what_new_versions_push_out(demo_output: tuple[int, str]) -> None:
    stage = _stage(demo_output[1], 2)
    assert re.search(r"npm/acme/widgets .* archive .* beyond_newest: 40 .* done", stage)
    assert re.search(r"npm/acme/gadgets .* origin lock", stage)
    assert "archived: 1" in stage


def test_stage_3_disposes_after_the_clock_passes_archived_for(demo_output: tuple[int, str]) -> None:
    stage = _stage(demo_output[1], 3)
    assert "clock +61 days" in stage
    assert re.search(r"dispose .* dispose archived_for: 60d .* done", stage)
    assert re.search(r"dispose .* dispose archived_for: 30d .* done", stage)
    assert re.search(r"disposed: [1-9]\d*", stage)
    assert "archived: 0" in stage
