"""Benchmark: paging ListPackageVersions on the local emulator, 1,000 vs 100,000 versions.

Seeds two generic packages through the emulator's bulk API, pages each fully with the ordinary
boto3 client (maxResults=1000, sortBy=PUBLISHED_TIME) and prints one JSON document with pages/s
for both and the per-page cost ratios (mean: what a sweep pays, GC pauses included; median:
the typical page). A ratio near 1 means paging is linear in the number of pages.

The ratios compare packages, which a per-page cost growing with depth could hide among
noise; ``depth`` therefore compares, inside the large walk, the median of the first 10 pages
with the median of the last 10 (per page index, the median over runs) and fits a line through
all of them: a paging that scans from the start to the cursor examines ~99,000 entries for
the last page against 1,000 for the first, which shows as a ratio well above 1 and a steep
slope. ``no_quadratic_slowdown`` states the verdict and its criterion.

The emulator runs in its own process, as the real service is remote: in one process the
client's garbage collections would scan the server's 100,000 seeded versions and charge that
to paging.

Run: ``.venv/bin/python bench/emulator_paging.py`` (``--help`` for sizes).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from typing import Any

import boto3
from botocore.config import Config
from ca_emulator import Emulator
from mypy_boto3_codeartifact import CodeArtifactClient

DOMAIN = "bench"
REPO = "release"
NAMESPACE = "bench"
T0 = datetime(2020, 1, 1, tzinfo=UTC)


def seed(emu: Emulator, name: str, count: int) -> None:
    # One second apart: distinct publish times give a total order to sort by.
    emu.add_versions(
        DOMAIN,
        REPO,
        "generic",
        NAMESPACE,
        name,
        ((f"{i}.0.0", T0 + timedelta(seconds=i)) for i in range(count)),
    )


def serve(sizes: dict[str, int], endpoint_out: Connection, stop: Event) -> None:
    """Child process: seed, start the emulator, report (endpoint, seed seconds), serve until stopped."""
    with Emulator() as emu:
        started = time.perf_counter()
        for name, count in sizes.items():
            seed(emu, name, count)
        endpoint_out.send((emu.endpoint, time.perf_counter() - started))
        stop.wait()


def page_all(client: CodeArtifactClient, name: str, page_size: int) -> tuple[list[float], int]:
    """One full walk of the package: (seconds of each page, distinct versions seen)."""
    page_seconds: list[float] = []
    seen: set[str] = set()
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"nextToken": token} if token else {}
        started = time.perf_counter()
        page = client.list_package_versions(
            domain=DOMAIN,
            repository=REPO,
            format="generic",
            namespace=NAMESPACE,
            package=name,
            maxResults=page_size,
            sortBy="PUBLISHED_TIME",
            **kwargs,
        )
        page_seconds.append(time.perf_counter() - started)
        seen.update(v["version"] for v in page["versions"])
        token = page.get("nextToken")
        if not token:
            return page_seconds, len(seen)


def measure(
    walks: list[tuple[list[float], int]], name: str, count: int
) -> tuple[dict[str, Any], list[float]]:
    """Summarize full walks: seconds is the median walk, per-page figures pool every page.

    Also returns, per page index, the median seconds over the runs (for the depth trend).
    """
    runs = len(walks)
    for _, seen in walks:
        if seen != count:
            raise RuntimeError(f"{name}: paged {seen} distinct versions, expected {count}")
    pages = len(walks[0][0])
    seconds = statistics.median(sum(times) for times, _ in walks)
    every_page = [t for times, _ in walks for t in times]
    by_index = [statistics.median(times[i] for times, _ in walks) for i in range(pages)]
    return {
        "versions": count,
        "pages": pages,
        "runs": runs,
        "seconds": round(seconds, 4),
        "pages_per_s": round(pages / seconds, 2),
        "mean_page_ms": round(1000 * statistics.fmean(every_page), 3),
        "median_page_ms": round(1000 * statistics.median(every_page), 3),
        "max_page_ms": round(1000 * max(every_page), 3),
    }, by_index


# The verdict's threshold: generous for noise on a 2-core shared machine, below what a scan to
# the cursor costs at 100 pages (tens of thousands of extra look-ups on the last pages).
MAX_RATIO = 1.5


def depth_trend(by_index: list[float]) -> dict[str, Any]:
    """First-10 vs last-10 pages of one walk, and the least-squares slope over page index."""
    if len(by_index) < 20:
        return {"pages": len(by_index), "note": "fewer than 20 pages: no depth trend"}
    first = statistics.median(by_index[:10])
    last = statistics.median(by_index[-10:])
    slope, _ = statistics.linear_regression(range(len(by_index)), by_index)
    return {
        "pages": len(by_index),
        "first_10_median_ms": round(1000 * first, 3),
        "last_10_median_ms": round(1000 * last, 3),
        "last_over_first": round(last / first, 3),
        "slope_ms_per_100_pages": round(1000 * 100 * slope, 3),
    }


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000, help="versions in the small package")
    parser.add_argument("--large", type=int, default=100_000, help="versions in the large package")
    parser.add_argument("--page-size", type=int, default=1000, help="maxResults (1-1000)")
    parser.add_argument("--small-runs", type=int, default=10, help="walks of the small package")
    parser.add_argument("--large-runs", type=int, default=3, help="walks of the large package")
    args = parser.parse_args(argv)

    # Dummy credentials: the emulator accepts any, and nothing may reach a real account.
    for key, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}.items():
        os.environ.setdefault(key, value)
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    stop = context.Event()
    server = context.Process(
        target=serve, args=({"small": args.small, "large": args.large}, send, stop), daemon=True
    )
    server.start()
    try:
        endpoint, seeding = receive.recv()
        client: CodeArtifactClient = boto3.client(
            "codeartifact",
            endpoint_url=endpoint,
            region_name="us-east-1",
            config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
        )
        # Warm-up: connection pool, botocore's model loading and first-call caches.
        page_all(client, "small", args.page_size)
        # Interleaved rounds (small walks, then one large walk): on a shared machine the load
        # drifts, and measuring one package after the other would charge the drift to paging.
        rounds = max(1, args.large_runs)
        small_walks: list[tuple[list[float], int]] = []
        large_walks: list[tuple[list[float], int]] = []
        for round_index in range(rounds):
            share = args.small_runs // rounds + (round_index < args.small_runs % rounds)
            small_walks += [page_all(client, "small", args.page_size) for _ in range(max(1, share))]
            large_walks.append(page_all(client, "large", args.page_size))
        small, _ = measure(small_walks, "small", args.small)
        large, large_by_index = measure(large_walks, "large", args.large)
    finally:
        stop.set()
        server.join(timeout=10)

    # Mean-based ratio: what a full sweep pays, GC pauses included. Median-based ratio: the
    # typical page, i.e. the algorithmic cost of a deep page versus a first page.
    ratio = large["mean_page_ms"] / small["mean_page_ms"]
    median_ratio = large["median_page_ms"] / small["median_page_ms"]
    depth = depth_trend(large_by_index)
    depth_ratio = depth.get("last_over_first")
    document = {
        "bench": "emulator_paging",
        "machine": machine(),
        "command": " ".join(
            ["python", "bench/emulator_paging.py", *(argv if argv is not None else sys.argv[1:])]
        ),
        "seed_seconds": round(seeding, 3),
        "page_size": args.page_size,
        "server": "emulator in a separate process on loopback",
        "schedule": "interleaved rounds: small walks then one large walk, per round",
        "results": [small, large],
        "per_page_ratio": round(ratio, 3),
        "median_per_page_ratio": round(median_ratio, 3),
        "depth": depth,
        "no_quadratic_slowdown": {
            "criterion": f"median_per_page_ratio < {MAX_RATIO} and depth.last_over_first < {MAX_RATIO}",
            "holds": median_ratio < MAX_RATIO and depth_ratio is not None and depth_ratio < MAX_RATIO,
        },
    }
    json.dump(document, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
