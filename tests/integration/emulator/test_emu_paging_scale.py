"""Paging cost must not grow with depth: a cheap guard against a quadratic ListPackageVersions.

Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html
(maxResults up to 1000, nextToken); the full 100,000-version measurement is bench/emulator_paging.py.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from typing import Any

from ca_emulator import Emulator
from emu_contract import DOMAIN, REPO, T0
from mypy_boto3_codeartifact import CodeArtifactClient


def walk(client: CodeArtifactClient, package: str) -> tuple[int, int, float]:
    """(pages, distinct versions, seconds) for a full newest-first walk at maxResults=1000."""
    pages, token = 0, None
    seen: set[str] = set()
    started = time.perf_counter()
    while True:
        extra: dict[str, Any] = {"nextToken": token} if token else {}
        page = client.list_package_versions(
            domain=DOMAIN,
            repository=REPO,
            format="generic",
            namespace="scale",
            package=package,
            maxResults=1000,
            sortBy="PUBLISHED_TIME",
            **extra,
        )
        pages += 1
        seen.update(v["version"] for v in page["versions"])
        token = page.get("nextToken")
        if not token:
            return pages, len(seen), time.perf_counter() - started


def test_per_page_time_of_20000_versions_is_close_to_that_of_1000(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html
    # Given packages of 1,000 and 20,000 versions.
    for package, count in (("small", 1_000), ("large", 20_000)):
        repo.add_versions(
            DOMAIN,
            REPO,
            "generic",
            "scale",
            package,
            ((f"{i}.0", T0 + timedelta(seconds=i)) for i in range(count)),
        )
    walk(codeartifact, "small")  # warm-up: connection and botocore caches

    # When each is paged fully (the small one several times, keeping the median).
    small_runs = [walk(codeartifact, "small") for _ in range(5)]
    large_pages, large_seen, large_seconds = walk(codeartifact, "large")

    # Then every version is seen once, and a deep page costs about what a first page costs.
    assert {(p, n) for p, n, _ in small_runs} == {(1, 1_000)}
    assert (large_pages, large_seen) == (20, 20_000)
    small_per_page = statistics.median(s for _, _, s in small_runs)
    ratio = (large_seconds / large_pages) / small_per_page
    assert ratio < 5, (
        f"per-page time ratio {ratio:.2f} "
        f"(large {large_seconds:.2f}s / 20 pages, small {small_per_page:.3f}s)"
    )


def test_small_requests_on_a_kept_alive_connection_are_not_delayed(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html
    # Each page is one request; a fixed per-request stall (e.g. Nagle's algorithm meeting the
    # client's delayed ACK, ~40 ms on Linux loopback) would dominate every paging cost measured here.
    repo.add_version(DOMAIN, REPO, "generic", "scale", "tiny", "1.0", published=T0)
    describe: dict[str, Any] = {
        "domain": DOMAIN,
        "repository": REPO,
        "format": "generic",
        "namespace": "scale",
        "package": "tiny",
    }
    codeartifact.describe_package(**describe)  # warm-up

    timings: list[float] = []
    for _ in range(15):
        started = time.perf_counter()
        codeartifact.describe_package(**describe)
        timings.append(time.perf_counter() - started)

    median = statistics.median(timings)
    assert median < 0.035, f"median {median * 1000:.1f} ms per request"
