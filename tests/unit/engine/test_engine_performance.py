"""The engine's work grows linearly with the package: counted in function calls, never timed.

Wall-clock and CPU time drift with the machine's load; how many Python functions an
evaluation calls does not. Speed itself is measured by ``make bench``.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

import pytest
from ca_lifecycle.engine import Evaluation, evaluate
from ca_lifecycle.facts import Action
from ca_lifecycle.policy import Guardrails
from ca_lifecycle.versions import parse_version

BENCH = Path(__file__).resolve().parents[3] / "bench" / "engine_bench.py"
RAILS = Guardrails(keep_at_least=1, max_archive_fraction=0.5)


def _bench_module() -> ModuleType:
    # The benchmark's own package and policy, so the test and `make bench` exercise the same thing.
    spec = importlib.util.spec_from_file_location("engine_bench", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _counting_calls(run: Callable[[], Evaluation]) -> tuple[Evaluation, int]:
    """``run()``'s result and how many Python-level function calls it made."""
    calls = 0

    def profile(_frame: FrameType, event: str, _arg: Any) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(profile)
    try:
        result = run()
    finally:
        sys.setprofile(None)
    return result, calls


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return _bench_module()


def _evaluate_cold(bench: ModuleType, size: int) -> tuple[Evaluation, int]:
    package, versions = bench.build_package(size)
    policy = bench.build_policy()
    parse_version.cache_clear()  # cold: every version string parsed for real
    return _counting_calls(lambda: evaluate(package, versions, policy, RAILS, bench.NOW))


def test_an_evaluation_of_10000_versions_decides_every_version_with_every_rule_kind(
    bench: ModuleType,
) -> None:
    # Given: 10,000 npm versions and newest, newest per major, beyond_newest and an age rule
    package, versions = bench.build_package(10_000)
    # When
    ev = evaluate(package, versions, bench.build_policy(), RAILS, bench.NOW)
    # Then: one decision per version, every rule kind exercised
    assert len(ev.decisions) == 10_000
    assert {d.rule for d in ev.decisions} >= {"protect[0]", "protect[1]", "archive[0]", None}
    assert ev.actions(Action.ARCHIVE)


def test_work_per_version_does_not_grow_with_the_package(bench: ModuleType) -> None:
    # Given the same policy over 1,000 and 16,000 versions
    _, small = _evaluate_cold(bench, 1_000)
    _, large = _evaluate_cold(bench, 16_000)
    # Then 16x the versions cost at most 16x the calls, with a 20 % allowance for the
    # per-package constant and the sort's log factor (both tiny at these sizes).
    per_version_small = small / 1_000
    per_version_large = large / 16_000
    assert per_version_large <= per_version_small * 1.2, (small, large)
    # and the engine stays a handful of calls per version (a regression to per-rule
    # re-parsing or a quadratic scan shows up here, whatever the machine's load).
    assert per_version_large < 60, per_version_large
