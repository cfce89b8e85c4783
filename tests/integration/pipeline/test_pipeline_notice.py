"""Acceptance, issue 15: notice period end to end, with digests delivered through moto SNS → SQS.

emulator events → moto EventBridge → moto SQS → worker (archives) → digest Lambda → moto SNS
topic → SQS subscription (what a subscriber receives) → sweeps under an advancing clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from ca_lifecycle.facts import PackageRef
from ca_lifecycle.handlers import digest
from ca_lifecycle.notify import SnsNotifier
from pipeline_rig import DOMAIN, OWNER, REPO, LambdaContext, Pipeline, policy

pytestmark = pytest.mark.integration

OLD = ["1.0.0", "1.1.0", "1.2.0", "1.3.0"]
ARCHIVED = ["1.0.0", "1.1.0"]
WIDGETS = PackageRef(DOMAIN, REPO, "npm", "acme", "widgets", OWNER)
NOTICE_POLICY = policy(dispose={"archived_for": "3d", "notice": "7d"})


class Subscriber:
    """An SQS queue subscribed to the digest topic: what a machine subscriber receives."""

    def __init__(self) -> None:
        self.sns = boto3.client("sns", region_name="us-east-1")
        self.sqs = boto3.client("sqs", region_name="us-east-1")
        self.topic_arn = self.sns.create_topic(Name="ca-lifecycle-digest")["TopicArn"]
        self.queue_url = self.sqs.create_queue(QueueName="digest-subscriber")["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.sns.subscribe(TopicArn=self.topic_arn, Protocol="sqs", Endpoint=queue_arn)

    def received(self) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        for message in messages:
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        # SNS's envelope; its Message is the sqs protocol's body: the full JSON digest
        return [json.loads(json.loads(m["Body"])["Message"]) for m in messages]


@pytest.fixture
def subscriber(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> Iterator[Subscriber]:
    sub = Subscriber()
    monkeypatch.setenv("DIGEST_TOPIC_ARN", sub.topic_arn)
    monkeypatch.setenv("DIGEST_WITHIN", "7d")
    digest.set_notifier(None)  # built from the environment, as in Lambda
    yield sub
    digest.set_notifier(None)


def _archived_on_day_zero(pipeline: Pipeline) -> None:
    pipeline.use_policy(NOTICE_POLICY)
    pipeline.seed_package("widgets", OLD)  # no event: history before us
    pipeline.publish("widgets", "1.4.0")
    pipeline.drain()
    # protect newest 2, archive beyond newest 2: three archived on day 0
    assert pipeline.statuses("widgets", ARCHIVED) == dict.fromkeys(ARCHIVED, "Archived")


def _sweep_on(pipeline: Pipeline, day: int) -> None:
    pipeline.clock.offset = timedelta(days=day)
    pipeline.sweep()
    pipeline.drain()


def _run_digest(pipeline: Pipeline, day: int) -> dict[str, Any]:
    pipeline.clock.offset = timedelta(days=day)
    return digest.handler({}, LambdaContext(function_name="digest"))


def _reason(pipeline: Pipeline, version: str) -> str:
    from ca_lifecycle.app.package import process_package

    result = process_package(
        WIDGETS,
        document=pipeline.deps.document,
        gateway=pipeline.deps.gateway,
        ledger=pipeline.ledger,
        now=pipeline.clock(),
        apply=False,
        read_only=True,
    )
    return next(d.reason for d in result.evaluation.decisions if d.version == version)


def test_a_delivered_digest_announces_the_disposal_which_waits_for_the_notice_period(
    pipeline: Pipeline, subscriber: Subscriber
) -> None:
    # Given versions archived on day 0
    _archived_on_day_zero(pipeline)
    archived = sorted(
        v for v in ["1.0.0", "1.1.0", "1.2.0"] if pipeline.statuses("widgets", [v])[v] == "Archived"
    )
    # Before any digest: nothing is announced, and plan/explain say so
    assert _reason(pipeline, archived[0]).startswith(
        "not yet announced: dispose archived_for: 3d, notice: 7d"
    )

    # When the day-0 digest is delivered
    pipeline.clock.offset = timedelta(0)
    sent_from = pipeline.clock()
    summary = _run_digest(pipeline, 0)
    sent_by = pipeline.clock()
    # Then the subscriber received it, listing each coming disposal with its rule and date
    (message,) = subscriber.received()
    assert summary["digests"][0]["delivered"] is True
    assert message["domain"] == DOMAIN
    disposals = [e for e in message["upcoming"] if e["action"] == "dispose"]
    assert sorted(e["version"] for e in disposals) == archived
    assert {(e["repository"], e["package"], e["rule"]) for e in disposals} == {(REPO, "widgets", "dispose")}
    for entry in disposals:
        # disposable once both hold: archived 3d ago and announced 7d ago → 7 days after the
        # digest went out (bounded by the clock read around it, never by a tolerance)
        due = _parse(entry["due"])
        week = timedelta(days=7)
        printed = timedelta(seconds=1)  # the digest prints whole seconds
        assert sent_from + week - printed <= due <= sent_by + week
    assert message["summary"]["announced_now"] == len(archived)
    # And the ledger records the notice with the digest's id
    record = pipeline.ledger.load_package(WIDGETS).versions[archived[0]]
    assert record.notice_id == message["digest_id"]
    assert record.noticed_at is not None

    # When archived_for (3d) has passed but the notice period (7d) has not
    _sweep_on(pipeline, 4)
    # Then nothing is disposed, and the reason names the date
    assert pipeline.statuses("widgets", archived) == dict.fromkeys(archived, "Archived")
    assert "disposable from" in _reason(pipeline, archived[0])
    assert pipeline.mutating_calls().get("DisposePackageVersions", 0) == 0

    # When notice + archived_for have both passed
    _sweep_on(pipeline, 8)
    # Then the announced versions are disposed, the protected ones untouched
    assert pipeline.statuses("widgets", [*archived, "1.3.0", "1.4.0"]) == {
        **dict.fromkeys(archived, "Disposed"),
        "1.3.0": "Published",
        "1.4.0": "Published",
    }

    # And the next digest reports them as done since the last digest
    _run_digest(pipeline, 9)
    (later,) = subscriber.received()
    done = {(v["action"], v["version"], v["outcome"]) for v in later["done"]}
    assert {("dispose", v, "done") for v in archived} <= done
    assert later["since"] is not None


def test_a_digest_that_failed_to_deliver_blocks_the_disposal_it_announced(
    pipeline: Pipeline, subscriber: Subscriber
) -> None:
    # Given versions archived on day 0 and a digest topic that refuses the publish
    _archived_on_day_zero(pipeline)
    archived = [v for v in ["1.0.0", "1.1.0", "1.2.0"] if pipeline.statuses("widgets", [v])[v] == "Archived"]
    missing = subscriber.topic_arn.rsplit(":", 1)[0] + ":no-such-topic"
    digest.set_notifier(SnsNotifier(missing))
    # When the digest runs: the publish fails, the invocation fails
    with pytest.raises(digest.DigestNotDeliveredError, match=r"no-such-topic|NotFound"):
        _run_digest(pipeline, 0)
    # Then nothing was recorded as noticed
    assert all(r.noticed_at is None for r in pipeline.ledger.load_package(WIDGETS).versions.values())

    # When archived_for and the notice period would both have passed
    _sweep_on(pipeline, 8)
    # Then nothing is disposed: the disposal was never announced
    assert pipeline.statuses("widgets", archived) == dict.fromkeys(archived, "Archived")
    assert _reason(pipeline, archived[0]).startswith("not yet announced")
    assert pipeline.mutating_calls().get("DisposePackageVersions", 0) == 0

    # And once a digest is delivered (day 8), the notice period runs from then
    digest.set_notifier(None)
    _run_digest(pipeline, 8)
    assert subscriber.received()
    _sweep_on(pipeline, 14)
    assert pipeline.statuses("widgets", archived) == dict.fromkeys(archived, "Archived")
    _sweep_on(pipeline, 16)
    assert pipeline.statuses("widgets", archived) == dict.fromkeys(archived, "Disposed")


def _parse(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))
