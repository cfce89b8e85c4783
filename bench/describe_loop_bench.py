"""Benchmark: a first evaluation of a 50,000-version package whose age rules need describes.

Two loops over the same facts, the same policy and the same describe answers (an in-memory
oracle: no network, the cost measured is ours):

- ``baseline``: what ``process_package`` did before: after every describe round, rebuild every
  fact with ``dataclasses.replace`` and run ``evaluate`` again;
- ``prepared``: what it does now: ``prepare`` once, ``needs()``/``learn()`` per round, one
  ``evaluation()``.

Prints one JSON document: CPU seconds (process time, best of RUNS), engine evaluations and
describes of each, and whether the final decisions are equal.
Reproduce: ``.venv/bin/python bench/describe_loop_bench.py`` (or ``make bench``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from ca_lifecycle.engine import Evaluation, evaluate, prepare
from ca_lifecycle.facts import OriginType, PackageRef, Status, VersionFact
from ca_lifecycle.policy import Guardrails, PackagePolicy
from ca_lifecycle.versions import parse_version

VERSIONS = int(os.environ.get("BENCH_VERSIONS", "50000"))
RUNS = int(os.environ.get("BENCH_RUNS", "2"))
NOW = datetime(2026, 6, 1, tzinfo=UTC)
PACKAGE = PackageRef("acme", "release", "npm", "acme", "big")
RAILS = Guardrails(keep_at_least=1, max_archive_fraction=1.0)


def build(count: int) -> tuple[list[VersionFact], dict[str, datetime]]:
    """``count`` versions, one every 4 hours, no publish time known (a first evaluation)."""
    facts: list[VersionFact] = []
    truth: dict[str, datetime] = {}
    for order in range(count):
        serial = count - order
        text = f"{serial // 10_000}.{(serial // 100) % 100}.{serial % 100}"
        truth[text] = NOW - timedelta(hours=4 * order + 2)
        facts.append(VersionFact(text, Status.PUBLISHED, f"r{serial}", OriginType.INTERNAL, order))
    return facts, truth


POLICY = PackagePolicy.model_validate(
    {
        "id": "bench",
        "scope": {"domain": "acme"},
        "protect": [{"newest": 5}, {"published_within": "30d"}],
        "archive": [{"published_before": "180d"}, {"beyond_newest": 2000}],
    }
)


def baseline(facts: list[VersionFact], truth: dict[str, datetime]) -> tuple[Evaluation, int, int]:
    known: dict[str, datetime] = {}
    evaluations = describes = 0
    while True:
        current = [dataclasses.replace(f, published=known.get(f.version, f.published)) for f in facts]
        evaluation = evaluate(PACKAGE, current, POLICY, RAILS, NOW)
        evaluations += 1
        if evaluation.needs is None:
            return evaluation, evaluations, describes
        for version in evaluation.needs.versions:
            known[version] = truth[version]
            describes += 1


def prepared(facts: list[VersionFact], truth: dict[str, datetime]) -> tuple[Evaluation, int, int]:
    search = prepare(PACKAGE, facts, POLICY, RAILS, NOW)
    describes = 0
    while (needs := search.needs()) is not None:
        for version in needs.versions:
            search.learn(version, truth[version])
            describes += 1
    return search.evaluation(), 1, describes


def measure(
    loop: Callable[[list[VersionFact], dict[str, datetime]], tuple[Evaluation, int, int]],
) -> tuple[float, Evaluation, int, int]:
    facts, truth = build(VERSIONS)
    best = float("inf")
    result: tuple[Evaluation, int, int] | None = None
    for _ in range(RUNS):
        parse_version.cache_clear()  # a fresh Lambda's cost
        start = time.process_time()
        result = loop(facts, truth)
        best = min(best, time.process_time() - start)
    assert result is not None
    return (best, *result)


def main() -> None:
    base_s, base_ev, base_evals, base_desc = measure(baseline)
    new_s, new_ev, new_evals, new_desc = measure(prepared)
    print(
        json.dumps(
            {
                "bench": "describe_loop",
                "command": "python bench/describe_loop_bench.py",
                "machine": {
                    "node": platform.node(),
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                },
                "versions": VERSIONS,
                "baseline": {
                    "cpu_seconds": round(base_s, 3),
                    "evaluations": base_evals,
                    "describes": base_desc,
                },
                "prepared": {"cpu_seconds": round(new_s, 3), "evaluations": new_evals, "describes": new_desc},
                "speedup": round(base_s / new_s, 2),
                "same_decisions": base_ev == new_ev,
                "target": "one evaluation per package; 50,000-version first evaluation <= 2 s CPU",
            }
        )
    )


if __name__ == "__main__":
    main()
