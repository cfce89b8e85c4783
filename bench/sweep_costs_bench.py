"""Benchmark: what a sweep costs per package in calls (CodeArtifact, DynamoDB); one JSON document.

The real worker use case (``WorkerBatch``, ``process_package``) runs against the in-process
CodeArtifact emulator; the work queue is an in-memory list fed back as the next batches.

- ``steady_state``: 50 packages x 200 versions, brought to policy by a first sweep, swept again
  an hour later with nothing changed: CodeArtifact calls per package (emulator statistics).
  Baseline (same run, same state): the package items without the listed origin, as the sweep
  enqueued them before, so each evaluation reads the origin with DescribePackage.
- ``first_sweep``: 40 packages x 20 versions, first sweep on the DynamoDB ledger (moto), then
  the echo events the emulator emitted for our archives, delivered in SQS batches of 10 in
  emission order: DynamoDB calls per package (counted on the client), split into the package
  evaluations and the echo settling. Baseline (same run, a fresh table and emulator): echoes
  settled with one ledger read per event, as before (``_settled_by_ledger`` on each).

Reproduce: ``.venv/bin/python bench/sweep_costs_bench.py``.
"""

from __future__ import annotations

import json
import os
import platform
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")

import boto3
from botocore.config import Config
from ca_emulator import Emulator
from ca_lifecycle.app import worker as worker_module
from ca_lifecycle.app.dependencies import Dependencies
from ca_lifecycle.app.package import process_package
from ca_lifecycle.app.worker import WorkerBatch
from ca_lifecycle.events import CodeArtifactEvent
from ca_lifecycle.gateway import CodeArtifactGateway
from ca_lifecycle.ledger import DynamoDBLedger, Ledger, LocalLedger
from ca_lifecycle.messages import PackageWorkItem, RepositoryPageItem
from ca_lifecycle.observability import logger
from ca_lifecycle.policy import PolicyDocument, parse_policy
from moto import mock_aws

NOW = datetime(2026, 6, 1, tzinfo=UTC)
DOMAIN, REPO, ACCOUNT = "acme", "release", "111122223333"
SQS_BATCH = 10


def _policy() -> PolicyDocument:
    return parse_policy(
        {
            "version": 1,
            "mode": "enforce",
            "policies": [
                {
                    "id": "bench",
                    "scope": {"domain": DOMAIN, "packages": ["/npm/acme/*"]},
                    "protect": [{"newest": 5}],
                    "archive": [{"published_before": "180d"}, {"beyond_newest": 10}],
                    "origin_lock": "auto",
                }
            ],
            "guardrails": {"keep_at_least": 1, "max_archive_fraction": 1.0},
        }
    )


@dataclass
class ListQueue:
    sent: list[Any] = field(default_factory=list)

    def send(self, items: Sequence[Any]) -> int:
        self.sent.extend(items)
        return len(items)

    def drain(self) -> list[Any]:
        items, self.sent = self.sent, []
        return items


def _records(bodies: Sequence[str]) -> list[dict[str, str]]:
    return [{"messageId": f"m{i}", "body": body} for i, body in enumerate(bodies)]


@contextmanager
def _emulator(packages: int, versions: int) -> Iterator[tuple[Emulator, Any]]:
    emulator = Emulator(account=ACCOUNT, clock=lambda: NOW)
    endpoint = emulator.start()
    try:
        for p in range(packages):
            texts = [f"1.{i // 100}.{i % 100}" for i in range(versions)]
            published = [NOW - timedelta(days=versions - i) + timedelta(hours=12) for i in range(versions)]
            emulator.add_versions(
                DOMAIN, REPO, "npm", "acme", f"pkg{p:03}", zip(texts, published, strict=True)
            )
        client = boto3.client(
            "codeartifact",
            endpoint_url=endpoint,
            region_name="us-east-1",
            config=Config(retries={"max_attempts": 1}),
        )
        yield emulator, client
    finally:
        emulator.stop()


def _deps(client: Any, ledger: Ledger, queue: ListQueue, now: datetime) -> Dependencies:
    return Dependencies(
        document=_policy(),
        gateway=CodeArtifactGateway(client),
        ledger=ledger,
        queue=queue,
        process_package=process_package,
        clock=lambda: now,
    )


def _sweep(deps: Dependencies, queue: ListQueue, strip_origin: bool = False) -> None:
    # The owner as the sweep resolves it (the account): ledger keys then match the events'.
    page = RepositoryPageItem(domain=DOMAIN, domain_owner=ACCOUNT, repository=REPO)
    WorkerBatch(_records([page.model_dump_json()]), deps).run()
    items: list[PackageWorkItem] = queue.drain()
    if strip_origin:
        items = [PackageWorkItem.for_package(item.package_ref()) for item in items]
    bodies = [item.model_dump_json() for item in items]
    for start in range(0, len(bodies), SQS_BATCH):
        batch = WorkerBatch(_records(bodies[start : start + SQS_BATCH]), deps)
        batch.run()
        assert not batch.failures, batch.failures


def steady_state(packages: int = 50, versions: int = 200) -> dict[str, Any]:
    with TemporaryDirectory() as tmp, _emulator(packages, versions) as (emulator, client):
        queue = ListQueue()
        ledger = LocalLedger(Path(tmp) / "ledger.json")
        _sweep(_deps(client, ledger, queue, NOW), queue)
        later = _deps(client, ledger, queue, NOW + timedelta(hours=1))
        emulator.reset_stats()
        _sweep(later, queue, strip_origin=True)
        baseline = emulator.stats()
        emulator.reset_stats()
        _sweep(later, queue)
        ours = emulator.stats()
    return {
        "packages": packages,
        "versions_per_package": versions,
        "baseline": {"calls": baseline, "calls_per_package": round(sum(baseline.values()) / packages, 3)},
        "ours": {"calls": ours, "calls_per_package": round(sum(ours.values()) / packages, 3)},
        "target": "1 CodeArtifact call per unchanged package (plus the ListPackages page)",
    }


def _per_event(events: Sequence[CodeArtifactEvent], deps: Dependencies) -> bool:
    """The settling as it was: one ledger read per event, every event read."""
    echoes = [e for e in events if worker_module._settled_by_ledger(e, deps)]
    return bool(events) and len(echoes) == len(events)


def _first_sweep(packages: int, versions: int, settle: Callable[..., bool] | None) -> dict[str, Any]:
    calls: Counter[str] = Counter()
    real = worker_module._echoes_settled
    with mock_aws(), _emulator(packages, versions) as (emulator, client):
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(
            TableName="ledger",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        table = boto3.resource("dynamodb", region_name="us-east-1").Table("ledger")
        phase = ["evaluations"]

        def count(event_name: str, **_: Any) -> None:
            calls[f"{phase[0]}:{event_name.rsplit('.', maxsplit=1)[-1]}"] += 1

        table.meta.client.meta.events.register("before-call.dynamodb", count)
        queue = ListQueue()
        deps = _deps(client, DynamoDBLedger("ledger", table), queue, NOW)
        if settle is not None:
            worker_module._echoes_settled = settle
        try:
            _sweep(deps, queue)
            echoes = [json.dumps(e) for e in emulator.events]
            phase[0] = "echoes"
            settled = 0
            for start in range(0, len(echoes), SQS_BATCH):
                batch = WorkerBatch(_records(echoes[start : start + SQS_BATCH]), replace(deps))
                report = batch.run()
                assert not batch.failures, batch.failures
                settled += report.settled
        finally:
            worker_module._echoes_settled = real
    by_phase = {
        name: sum(v for k, v in calls.items() if k.startswith(f"{name}:"))
        for name in ("evaluations", "echoes")
    }
    return {
        "echo_events": len(echoes),
        "settled": settled,
        "dynamodb_calls": dict(sorted(calls.items())),
        "per_package": {k: round(v / packages, 2) for k, v in by_phase.items()}
        | {"total": round(sum(by_phase.values()) / packages, 2)},
    }


def first_sweep(packages: int = 40, versions: int = 20) -> dict[str, Any]:
    baseline = _first_sweep(packages, versions, _per_event)
    ours = _first_sweep(packages, versions, None)
    return {
        "packages": packages,
        "versions_per_package": versions,
        "sqs_batch": SQS_BATCH,
        "baseline": baseline,
        "ours": ours,
    }


def main() -> None:
    logger.setLevel("ERROR")  # stdout is the JSON document alone
    print(
        json.dumps(
            {
                "bench": "sweep_costs",
                "command": "python bench/sweep_costs_bench.py",
                "machine": {
                    "node": platform.node(),
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                },
                "steady_state": steady_state(),
                "first_sweep": first_sweep(),
            }
        )
    )


if __name__ == "__main__":
    main()
