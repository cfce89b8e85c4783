"""Usage retention through the real path: emulator reads → CloudTrail-shaped events → moto
EventBridge (the construct's own pattern) → usage queue → usage handler → DynamoDB ledger →
worker decision on the emulator."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

import pytest
from ca_lifecycle.app.package import process_package
from ca_lifecycle.app.usage import UsageIngest
from ca_lifecycle.facts import Action, PackageRef
from ca_lifecycle.handlers import usage
from pipeline_rig import DOMAIN, NOW, OWNER, REPO, LambdaContext, Pipeline, policy

from infra.usage import usage_event_pattern

pytestmark = pytest.mark.integration

WIDGETS = PackageRef(DOMAIN, REPO, "npm", "acme", "widgets", OWNER)
AGES = {"1.0.0": 400, "1.1.0": 390, "2.0.0": 300, "3.0.0": 10}  # days since publish


class UsageRig:
    def __init__(self, pipeline: Pipeline) -> None:
        self.p = pipeline
        self.url = pipeline.sqs.create_queue(
            QueueName="ca-lifecycle-usage", Attributes={"VisibilityTimeout": "300"}
        )["QueueUrl"]
        arn = pipeline.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        pipeline.events.put_rule(Name="usage-reads", EventPattern=json.dumps(usage_event_pattern([DOMAIN])))
        pipeline.events.put_targets(Rule="usage-reads", Targets=[{"Id": "usage", "Arn": arn}])
        self.document = pipeline.use_policy(
            policy(
                protect=[{"downloaded_within": "30d"}],
                archive=[{"not_downloaded_for": "180d"}],
                dispose=None,
                origin_lock="off",
            )
        )
        usage.set_ingest(UsageIngest(pipeline.ledger, self.document))
        for version, age in AGES.items():
            pipeline.emulator.add_version(
                DOMAIN, REPO, "npm", "acme", "widgets", version, published=NOW - timedelta(days=age)
            )

    def reads(self, *entries: tuple[str | None, timedelta], duplicates: int = 0) -> None:
        traffic = [
            {
                "domain": DOMAIN,
                "repository": REPO,
                "format": "npm",
                "namespace": "acme",
                "package": "widgets",
                "version": version,
                "count": 2,
                "duplicates": duplicates,
                "time": (NOW - ago).isoformat(),
            }
            for version, ago in entries
        ]
        self.p.emulator.simulate_reads(traffic)

    def ingest(self, order_seed: int | None = None) -> int:
        """Play the usage function's event source mapping until the usage queue is empty."""
        handled = 0
        while True:
            # Several receives per batch (the mapping's large batches); invisible once received.
            messages: list[dict[str, Any]] = []
            for _ in range(20):
                batch = self.p.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages")
                if not batch:
                    break
                messages.extend(batch)
            if not messages:
                return handled
            if order_seed is not None:
                random.Random(order_seed).shuffle(messages)
            records = [
                {
                    "messageId": m["MessageId"],
                    "body": m["Body"],
                    "receiptHandle": m["ReceiptHandle"],
                    "eventSource": "aws:sqs",
                    "attributes": {},
                }
                for m in messages
            ]
            response = usage.handler({"Records": records}, LambdaContext(function_name="usage"))
            assert response["batchItemFailures"] == []
            for m in messages:
                self.p.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"])
            handled += len(messages)

    def plan(self) -> dict[str, Any]:
        result = process_package(
            WIDGETS,
            document=self.document,
            gateway=self.p.deps.gateway,
            ledger=self.p.ledger,
            now=self.p.clock(),
            apply=False,
            read_only=True,
        )
        return {d.version: d for d in result.evaluation.decisions}

    def apply(self) -> dict[str, str | None]:
        self.p.sweep()
        self.p.drain()
        return self.p.statuses("widgets", list(AGES))


@pytest.fixture
def rig(pipeline: Pipeline) -> Any:
    rig = UsageRig(pipeline)
    yield rig
    usage.set_ingest(None)


def test_downloaded_within_the_window_is_kept_and_unused_for_180_days_is_archived(rig: UsageRig) -> None:
    # Given reads tracked for 200 days: 1.0.0 last pulled 200 d ago, 1.1.0 5 d ago, 2.0.0 never
    rig.reads(("1.0.0", timedelta(days=200)), ("1.1.0", timedelta(days=5)), (None, timedelta(hours=1)))
    assert rig.ingest() > 0
    # When the worker evaluates the package
    plan = rig.plan()
    # Then
    assert plan["1.1.0"].action is Action.KEEP, {v: d.reason for v, d in plan.items()}
    assert "downloaded " in plan["1.1.0"].reason
    assert plan["1.0.0"].action is Action.ARCHIVE, {v: d.reason for v, d in plan.items()}
    assert plan["2.0.0"].action is Action.ARCHIVE
    assert "never downloaded" in plan["2.0.0"].reason
    assert plan["3.0.0"].action is Action.KEEP
    assert rig.apply() == {
        "1.0.0": "Archived",
        "1.1.0": "Published",
        "2.0.0": "Archived",
        "3.0.0": "Published",
    }
    # Usage never disposes: nothing was disposed, and the policy has no dispose rule to do it
    assert "DisposePackageVersions" not in rig.p.mutating_calls()


def test_nothing_is_archived_during_warm_up(rig: UsageRig) -> None:
    # Given the feed started an hour ago (180 d of silence cannot be known yet)
    rig.reads(("1.1.0", timedelta(hours=1)))
    rig.ingest()
    plan = rig.plan()
    assert {d.action for d in plan.values()} == {Action.KEEP}
    assert all("warm-up" in d.reason for d in plan.values())
    assert set(rig.apply().values()) == {"Published"}


def test_silence_suspends_the_usage_rules(rig: UsageRig) -> None:
    # Given 200 days of tracking but nothing ingested for the last 3 days
    rig.reads(("1.0.0", timedelta(days=200)), (None, timedelta(days=3)))
    rig.ingest()
    plan = rig.plan()
    assert {d.action for d in plan.values()} == {Action.KEEP}
    assert all("ingestion silent since" in d.reason for d in plan.values())
    assert set(rig.apply().values()) == {"Published"}


def test_duplicated_and_reordered_reads_change_nothing(rig: UsageRig) -> None:
    entries = (("1.0.0", timedelta(days=200)), ("1.1.0", timedelta(days=5)), (None, timedelta(hours=1)))
    rig.reads(*entries)
    rig.ingest()
    before = (rig.p.ledger.load_package(WIDGETS), rig.p.ledger.usage_stream(OWNER, DOMAIN))
    decisions = {v: (d.action, d.reason) for v, d in rig.plan().items()}
    # When the same reads arrive again, three times each, in another order, at a cold start
    # (a new execution environment: no memo, every value written again, max() in the ledger)
    usage.set_ingest(UsageIngest(rig.p.ledger, rig.document))
    rig.reads(*reversed(entries), duplicates=2)
    rig.ingest(order_seed=7)
    # Then the ledger and every decision are unchanged
    assert (rig.p.ledger.load_package(WIDGETS), rig.p.ledger.usage_stream(OWNER, DOMAIN)) == before
    assert {v: (d.action, d.reason) for v, d in rig.plan().items()} == decisions
