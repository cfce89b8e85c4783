"""The engine stays well under a second for a 10,000-version package (issue acceptance)."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from types import ModuleType

from ca_lifecycle.engine import evaluate
from ca_lifecycle.facts import Action
from ca_lifecycle.policy import Guardrails
from ca_lifecycle.versions import parse_version

BENCH = Path(__file__).resolve().parents[3] / "bench" / "engine_bench.py"


def _bench_module() -> ModuleType:
    # The benchmark's own package and policy, so the test and `make bench` measure the same thing.
    spec = importlib.util.spec_from_file_location("engine_bench", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_one_evaluation_of_10000_versions_takes_under_a_second() -> None:
    # Given: 10,000 npm versions and newest, newest per major, beyond_newest and an age rule
    bench = _bench_module()
    package, versions = bench.build_package(10_000)
    policy = bench.build_policy()
    rails = Guardrails(keep_at_least=1, max_archive_fraction=0.5)
    parse_version.cache_clear()  # cold: every version string parsed for real
    # When
    start = time.perf_counter()
    ev = evaluate(package, versions, policy, rails, bench.NOW)
    elapsed = time.perf_counter() - start
    # Then: one decision per version, every rule kind exercised, and fast
    assert len(ev.decisions) == 10_000
    assert {d.rule for d in ev.decisions} >= {"protect[0]", "protect[1]", "archive[0]", None}
    assert ev.actions(Action.ARCHIVE)
    assert elapsed < 1.0, f"evaluate took {elapsed:.3f}s for 10,000 versions"
