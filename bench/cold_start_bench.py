"""Benchmark: cold start of the worker handler, in fresh interpreters; one JSON document.

Three programs, each run RUNS times in a new ``python`` process, alternating (the machine's
load drifts over all alike); each reports the wall time of its own imports and client creation
(interpreter start-up excluded) and its peak RSS:

- ``baseline``: boto3 + pydantic + the Powertools imports the handler needs + two clients
  (CodeArtifact, DynamoDB): the floor any Powertools handler on boto3 pays;
- ``worker``: ``import ca_lifecycle.handlers.worker`` + the same two clients (what the first
  invocation has paid once its dependencies are built);
- ``worker_eager``: ``worker`` plus what the handler imported before (``Tracer()`` at import,
  Powertools' parser models for ``EventBridgeModel``): the previous cost, for comparison.

Medians are reported, with the ratio to the baseline (target: worker <= 1.15x, RSS within 10 %).
Reproduce: ``.venv/bin/python bench/cold_start_bench.py``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "9"))

_CLIENTS = """
boto3.client("codeartifact", region_name="us-east-1")
boto3.client("dynamodb", region_name="us-east-1")
"""
_REPORT = """
elapsed = time.perf_counter() - start
import resource
print(json.dumps({"seconds": elapsed, "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""
PROGRAMS = {
    "baseline": """
import json, time
start = time.perf_counter()
import boto3, pydantic
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
"""
    + _CLIENTS
    + _REPORT,
    "worker": """
import json, time
start = time.perf_counter()
import boto3
import ca_lifecycle.handlers.worker
"""
    + _CLIENTS
    + _REPORT,
    "worker_eager": """
import json, time
start = time.perf_counter()
import boto3
import ca_lifecycle.handlers.worker
from aws_lambda_powertools import Tracer
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
Tracer(service="codeartifact-lifecycle")
"""
    + _CLIENTS
    + _REPORT,
}


def _run(program: str) -> dict[str, float]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "functions"),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "PYTHONDONTWRITEBYTECODE": "",
    }
    out = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, env=env, cwd=ROOT
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in PROGRAMS}
    for program in PROGRAMS.values():
        _run(program)  # warm the bytecode cache and the page cache: every run is then alike
    for _ in range(RUNS):
        for name, program in PROGRAMS.items():
            samples[name].append(_run(program))
    medians = {
        name: {
            "seconds": round(statistics.median(s["seconds"] for s in runs), 4),
            "peak_rss_mb": round(statistics.median(s["rss_kb"] for s in runs) / 1024, 1),
        }
        for name, runs in samples.items()
    }
    base = medians["baseline"]
    print(
        json.dumps(
            {
                "bench": "cold_start",
                "command": "python bench/cold_start_bench.py",
                "machine": {
                    "node": platform.node(),
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                },
                "runs": RUNS,
                "medians": medians,
                "worker_over_baseline": round(medians["worker"]["seconds"] / base["seconds"], 3),
                "worker_rss_over_baseline": round(medians["worker"]["peak_rss_mb"] / base["peak_rss_mb"], 3),
                "eager_over_baseline": round(medians["worker_eager"]["seconds"] / base["seconds"], 3),
                "target": "worker import <= 1.15x baseline, peak RSS within 10 %",
            }
        )
    )


if __name__ == "__main__":
    main()
