"""Benchmark: evaluate one 10,000-version npm package; prints one JSON document.

The policy uses newest, newest per major, beyond_newest and an age rule (half the publish
times known, so the engine also classifies by publish order). ``parse_version`` caches
parses across calls, so each run clears that cache first: ``seconds`` is the cold cost a
fresh Lambda pays; ``warm_seconds`` is a re-evaluation with the cache hot.
"""

from __future__ import annotations

import json
import platform
import time
from datetime import UTC, datetime, timedelta

from ca_lifecycle.engine import evaluate
from ca_lifecycle.facts import OriginType, PackageRef, Status, VersionFact
from ca_lifecycle.policy import Guardrails, PackagePolicy
from ca_lifecycle.versions import parse_version

VERSIONS = 10_000
RUNS = 7
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def build_package(count: int = VERSIONS) -> tuple[PackageRef, list[VersionFact]]:
    """``count`` versions over 20 majors, prereleases mixed in, one published every 2 hours."""
    package = PackageRef(domain="acme", repository="release", format="npm", namespace="acme", name="widgets")
    versions: list[VersionFact] = []
    for order in range(count):
        serial = count - order  # newest published is the highest version, roughly
        major, minor, patch = serial % 20, (serial // 20) % 50, serial // 1000
        text = f"{major}.{minor}.{patch}" + ("-rc.1" if serial % 7 == 0 else "")
        versions.append(
            VersionFact(
                version=text,
                status=Status.UNLISTED if serial % 11 == 0 else Status.PUBLISHED,
                revision=f"rev{serial}",
                origin_type=OriginType.INTERNAL,
                publish_order=order,
                published=NOW - timedelta(hours=2 * order) if order % 2 == 0 else None,
            )
        )
    return package, versions


def build_policy() -> PackagePolicy:
    return PackagePolicy.model_validate(
        {
            "id": "bench",
            "scope": {"domain": "acme"},
            "protect": [{"newest": 10}, {"newest": 2, "per": "major", "prerelease": False}],
            "archive": [{"beyond_newest": 500}, {"prerelease": True, "published_before": "30d"}],
            "dispose": {"archived_for": "60d"},
            "origin_lock": "auto",
        }
    )


def time_evaluation(runs: int = RUNS, *, cold: bool = True) -> float:
    """Best wall time of ``runs`` evaluations, in seconds."""
    package, versions = build_package()
    policy = build_policy()
    rails = Guardrails(keep_at_least=1, max_archive_fraction=0.5)
    best = float("inf")
    for _ in range(runs):
        if cold:
            parse_version.cache_clear()
        start = time.perf_counter()
        evaluate(package, versions, policy, rails, NOW)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    seconds = time_evaluation(cold=True)
    warm = time_evaluation(cold=False)
    print(
        json.dumps(
            {
                "bench": "engine",
                "command": "python bench/engine_bench.py",
                "versions": VERSIONS,
                "seconds": round(seconds, 6),
                "us_per_version": round(seconds / VERSIONS * 1e6, 3),
                "warm_seconds": round(warm, 6),
                "python": platform.python_version(),
                "machine": f"{platform.system()} {platform.machine()}",
            }
        )
    )


if __name__ == "__main__":
    main()
