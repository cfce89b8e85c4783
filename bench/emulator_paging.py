"""Benchmark: paging ListPackageVersions on the local emulator, 1,000 vs 100,000 versions.

Seeds two generic packages through the emulator's bulk API, pages each fully with the ordinary
boto3 client (maxResults=1000, sortBy=PUBLISHED_TIME) and prints one JSON document with pages/s
for both and the per-page cost ratios (mean: what a sweep pays, GC pauses included; median:
the typical page). A ratio near 1 means paging is linear in the number of pages (no
quadratic slow-down from deep pages).

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


def measure(client: CodeArtifactClient, name: str, count: int, page_size: int, runs: int) -> dict[str, Any]:
    """Walk ``runs`` times; seconds is the median walk, per-page figures pool every page."""
    walks = [page_all(client, name, page_size) for _ in range(runs)]
    for _, seen in walks:
        if seen != count:
            raise RuntimeError(f"{name}: paged {seen} distinct versions, expected {count}")
    pages = len(walks[0][0])
    seconds = statistics.median(sum(times) for times, _ in walks)
    every_page = [t for times, _ in walks for t in times]
    return {
        "versions": count,
        "pages": pages,
        "runs": runs,
        "seconds": round(seconds, 4),
        "pages_per_s": round(pages / seconds, 2),
        "mean_page_ms": round(1000 * statistics.fmean(every_page), 3),
        "median_page_ms": round(1000 * statistics.median(every_page), 3),
        "max_page_ms": round(1000 * max(every_page), 3),
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
    parser.add_argument("--large-runs", type=int, default=1, help="walks of the large package")
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
        small = measure(client, "small", args.small, args.page_size, args.small_runs)
        large = measure(client, "large", args.large, args.page_size, args.large_runs)
    finally:
        stop.set()
        server.join(timeout=10)

    # Mean-based ratio: what a full sweep pays, GC pauses included. Median-based ratio: the
    # typical page, i.e. the algorithmic cost of a deep page versus a first page.
    ratio = large["mean_page_ms"] / small["mean_page_ms"]
    median_ratio = large["median_page_ms"] / small["median_page_ms"]
    document = {
        "bench": "emulator_paging",
        "machine": machine(),
        "command": " ".join(
            ["python", "bench/emulator_paging.py", *(argv if argv is not None else sys.argv[1:])]
        ),
        "seed_seconds": round(seeding, 3),
        "page_size": args.page_size,
        "server": "emulator in a separate process on loopback",
        "results": [small, large],
        "per_page_ratio": round(ratio, 3),
        "median_per_page_ratio": round(median_ratio, 3),
    }
    json.dump(document, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
