"""Benchmark: engine CPU per version at 1k / 10k / 100k versions for every format, GC on.

``engine`` is the engine as shipped: cyclic GC is enabled in the process and the engine pauses
it around its own work (``engine.core.paused_gc``). ``baseline`` is the same evaluation with
the collector left to trigger as it likes during the evaluation (``paused_gc`` replaced by a
no-op), i.e. the engine before that change. Both run in this process, alternating per size.
The policy is engine_bench's (newest, newest per major, beyond_newest, an age rule with half
the publish times known); the parse cache is cleared before every run (a fresh Lambda's cost).

Prints one JSON document: per format and size, µs per version (best of the runs, process
time), and the growth per tenfold ((µs at 100k / µs at 1k) ** 0.5).
Reproduce: ``.venv/bin/python bench/engine_scaling_bench.py`` (``BENCH_SIZES=1000,10000`` to shorten).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import platform
import time
from datetime import UTC, datetime, timedelta

from ca_lifecycle.engine import core, evaluate
from ca_lifecycle.facts import OriginType, PackageRef, Status, VersionFact
from ca_lifecycle.policy import Guardrails, PackagePolicy
from ca_lifecycle.versions import parse_version

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,10000,100000").split(",")]
NOW = datetime(2026, 1, 1, tzinfo=UTC)
RAILS = Guardrails(keep_at_least=1, max_archive_fraction=0.5)


def _text(fmt: str, major: int, minor: int, patch: int, pre: bool) -> str:
    base = f"{major}.{minor}.{patch}"
    if not pre:
        return base
    suffix = {
        "pypi": "rc1",
        "maven": "-RC1",
        "nuget": "-beta.1",
        "ruby": ".pre1",
        "generic": "-nightly",
    }.get(fmt, "-rc.1")
    return base + suffix


FORMATS = ("npm", "cargo", "swift", "pypi", "maven", "nuget", "ruby", "generic")


def build(fmt: str, count: int) -> tuple[PackageRef, list[VersionFact]]:
    """engine_bench's shape in ``fmt``'s spelling: 20 majors, 1 in 7 a prerelease."""
    namespace = "acme" if fmt in ("npm", "maven", "swift", "generic") else None
    package = PackageRef("acme", "release", fmt, namespace, "widgets")
    facts: list[VersionFact] = []
    for order in range(count):
        serial = count - order
        major, minor, patch = serial % 20, (serial // 20) % 50, serial // 1000
        facts.append(
            VersionFact(
                version=_text(fmt, major, minor, patch, serial % 7 == 0),
                status=Status.UNLISTED if serial % 11 == 0 else Status.PUBLISHED,
                revision=f"rev{serial}",
                origin_type=OriginType.INTERNAL,
                publish_order=order,
                published=NOW - timedelta(hours=2 * order) if order % 2 == 0 else None,
            )
        )
    return package, facts


POLICY = PackagePolicy.model_validate(
    {
        "id": "bench",
        "scope": {"domain": "acme"},
        "protect": [{"newest": 10}, {"newest": 2, "per": "major", "prerelease": False}],
        "archive": [{"beyond_newest": 500}, {"prerelease": True, "published_before": "30d"}],
        "dispose": {"archived_for": "60d"},
        "origin_lock": "auto",
    }
)


def _once(package: PackageRef, facts: list[VersionFact]) -> float:
    parse_version.cache_clear()
    start = time.process_time()
    evaluate(package, facts, POLICY, RAILS, NOW)
    return time.process_time() - start


def _runs(size: int) -> int:
    return max(2, min(5, 300_000 // size))


def measure(fmt: str) -> tuple[dict[int, float], dict[int, float]]:
    """(engine, baseline) µs per version by size; the two alternate run by run (the machine's
    load drifts over both alike), best of the runs each."""
    real = core.paused_gc
    ours: dict[int, float] = {}
    base: dict[int, float] = {}
    for size in SIZES:
        package, facts = build(fmt, size)
        best_ours = best_base = float("inf")
        for _ in range(_runs(size)):
            core.paused_gc = contextlib.nullcontext  # type: ignore[assignment]
            try:
                best_base = min(best_base, _once(package, facts))
            finally:
                core.paused_gc = real
            best_ours = min(best_ours, _once(package, facts))
        ours[size], base[size] = best_ours / size * 1e6, best_base / size * 1e6
    return ours, base


def _growth(per_size: dict[int, float]) -> float | None:
    if len(SIZES) < 2:
        return None
    low, high = SIZES[0], SIZES[-1]
    decades = (len(str(high)) - len(str(low))) or 1
    ratio: float = per_size[high] / per_size[low]
    return round(float(ratio ** (1 / decades)), 3)


def main() -> None:
    assert gc.isenabled(), "the bench measures with the collector on"
    formats: dict[str, dict[str, object]] = {}
    for fmt in FORMATS:
        ours, base = measure(fmt)
        formats[fmt] = {
            "engine_us_per_version": {str(s): round(v, 2) for s, v in ours.items()},
            "engine_growth_per_tenfold": _growth(ours),
            "baseline_us_per_version": {str(s): round(v, 2) for s, v in base.items()},
            "baseline_growth_per_tenfold": _growth(base),
        }
    print(
        json.dumps(
            {
                "bench": "engine_scaling",
                "command": "python bench/engine_scaling_bench.py",
                "machine": {
                    "node": platform.node(),
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                },
                "sizes": SIZES,
                "gc_enabled": gc.isenabled(),
                "formats": formats,
                "target": "<= 10 us/version at 100k, growth <= x1.3 per tenfold, GC on",
            }
        )
    )


if __name__ == "__main__":
    main()
