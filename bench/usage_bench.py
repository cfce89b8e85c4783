"""Benchmark: ingest 1,000,000 CloudTrail read events for 10,000 package versions; prints JSON.

1,000 npm packages x 10 versions, reads spread over 7 UTC days, 10 % of them metadata reads
(no version) and 5 % duplicate deliveries, in batches of 1,000 (the usage queue's batch size),
through the real use case (``UsageIngest``: JSON parse, pydantic validation, filters,
aggregation, memo) into an in-memory ledger that counts its writes (moto DynamoDB slows down
quadratically at this size, TOOLCHAIN.md). Baseline measured in the same run: validation alone
(``parse_read`` over the same events), and the writes a per-read writer would issue.
Bound checked: ledger version writes <= distinct (version, day) pairs.
"""

from __future__ import annotations

import json
import platform
import random
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ca_emulator.reads import read_event
from ca_lifecycle.app.usage import UsageIngest, day_of
from ca_lifecycle.facts import PackageRef
from ca_lifecycle.ledger import UsageStream, package_key
from ca_lifecycle.policy import parse_policy
from ca_lifecycle.usage_events import parse_read

EVENTS = 1_000_000
PACKAGES, VERSIONS_PER_PACKAGE, DAYS = 1_000, 10, 7
BATCH = 1_000
T0 = datetime(2026, 3, 1, tzinfo=UTC)
DOCUMENT = parse_policy(
    {
        "version": 1,
        "policies": [{"id": "p", "scope": {"domain": "acme"}, "archive": [{"not_downloaded_for": "180d"}]}],
        "usage": {"ignore_user_agents": ["Trivy*"]},
    }
)


class CountingLedger:
    """The two calls the usage function makes, with max() semantics, counted."""

    def __init__(self) -> None:
        self.usage: dict[tuple[str, str], datetime] = {}
        self.version_writes = 0
        self.package_writes = 0
        self.stream_writes = 0

    def record_usage(self, package: PackageRef, downloads: Mapping[str, datetime], day: datetime) -> None:
        self.package_writes += 1
        key = package_key(package)
        for version, moment in downloads.items():
            self.version_writes += 1
            self.usage[key, version] = max(moment, self.usage.get((key, version), moment))

    def record_ingestion(self, domain_owner: str | None, domain: str, at: datetime) -> None:
        self.stream_writes += 1

    def usage_stream(self, domain_owner: str | None, domain: str) -> UsageStream:
        return UsageStream()


def _template() -> str:
    event = read_event(
        account="111122223333",
        region="us-east-1",
        domain="acme",
        repository="release",
        fmt="npm",
        namespace="acme",
        name="@NAME@",
        version="@VERSION@",
        time=T0,
        event_id="@ID@",
    )
    event["detail"]["eventTime"] = event["time"] = "@TIME@"
    return json.dumps(event)


def build_batches(seed: int = 14) -> tuple[list[list[tuple[str, str]]], set[tuple[str, str, datetime]]]:
    rng = random.Random(seed)
    template = _template()
    metadata = template.replace(', "packageVersion": "@VERSION@"', "")
    assert metadata != template
    pairs: set[tuple[str, str, datetime]] = set()
    batches: list[list[tuple[str, str]]] = []
    batch: list[tuple[str, str]] = []
    count = 0
    while count < EVENTS:
        name = f"pkg{rng.randrange(PACKAGES)}"
        version = f"1.0.{rng.randrange(VERSIONS_PER_PACKAGE)}"
        moment = T0 + timedelta(seconds=rng.randrange(DAYS * 86400))
        text = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        is_metadata = rng.random() < 0.10
        body = (metadata if is_metadata else template).replace("@NAME@", name).replace("@VERSION@", version)
        body = body.replace("@TIME@", text).replace("@ID@", f"e{count}")
        copies = 2 if rng.random() < 0.05 else 1
        for _ in range(copies):
            batch.append((f"m{count}", body))
            count += 1
            if len(batch) == BATCH:
                batches.append(batch)
                batch = []
        if not is_metadata:
            pairs.add((name, version, day_of(moment)))
    if batch:
        batches.append(batch)
    return batches, pairs


def main() -> None:
    batches, pairs = build_batches()
    events = sum(len(b) for b in batches)
    start = time.perf_counter()
    for batch in batches[:100]:  # baseline: validation alone, on a tenth of the events
        for _, body in batch:
            parse_read(json.loads(body))
    parse_rate = sum(len(b) for b in batches[:100]) / (time.perf_counter() - start)

    ledger = CountingLedger()
    ingest = UsageIngest(ledger, DOCUMENT)  # type: ignore[arg-type]
    downloads = 0
    start = time.perf_counter()
    for batch in batches:
        downloads += ingest.ingest(batch).downloads
    seconds = time.perf_counter() - start
    result: dict[str, Any] = {
        "bench": "usage",
        "command": "python bench/usage_bench.py",
        "events": events,
        "versions": PACKAGES * VERSIONS_PER_PACKAGE,
        "days": DAYS,
        "batch": BATCH,
        "downloads_counted": downloads,
        "distinct_version_day_pairs": len(pairs),
        "ledger_version_writes": ledger.version_writes,
        "ledger_package_writes": ledger.package_writes,
        "ledger_stream_writes": ledger.stream_writes,
        "per_read_writer_writes": downloads,  # baseline: one write per download read
        "seconds": round(seconds, 3),
        "events_per_second": round(events / seconds),
        "baseline_validation_only_events_per_second": round(parse_rate),
        "writes_within_bound": ledger.version_writes <= len(pairs),
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}",
    }
    print(json.dumps(result))
    if not result["writes_within_bound"]:
        raise SystemExit("ledger writes exceed the distinct (version, day) pairs")


if __name__ == "__main__":
    main()
