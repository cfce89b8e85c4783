"""The synthesized rule's event pattern, routed for real: moto EventBridge -> SQS.

moto's ``test_event_pattern`` is a stub, so the pattern is installed on moto's default bus with
an SQS target and every sample in ``events/`` is put through it. The dry stack's policy
covers acme (owner 111122223333, as in the samples) and beta (no owner: the deploying
account, moto's 123456789012).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from template_helpers import domain_rules, ignored_events_rule, render

pytestmark = pytest.mark.infra

EVENTS = Path(__file__).resolve().parents[2] / "events"
MOTO_ACCOUNT = "123456789012"


def _samples() -> list[tuple[str, dict[str, Any]]]:
    """Every JSON event under events/ (a file holding an array is a delivery sequence)."""
    found: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(EVENTS.rglob("*.json")):
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError:
            continue  # malformed/not-json.json: a broken SQS body, nothing EventBridge could carry
        for index, event in enumerate(data if isinstance(data, list) else [data]):
            found.append((f"{path.relative_to(EVENTS)}[{index}]", event))
    return found


class Router:
    """The synthesized rules installed on moto's default bus, each with a queue for its target
    (the domain rules' work queue, the ignored-events queue); one put -> what reached where."""

    def __init__(self, patterns: list[tuple[dict[str, Any], str]]) -> None:
        self.events = boto3.client("events", region_name="us-east-1")
        self.sqs = boto3.client("sqs", region_name="us-east-1")
        self.queue_urls: dict[str, str] = {}
        for index, (pattern, target) in enumerate(patterns):
            if target not in self.queue_urls:
                self.queue_urls[target] = self.sqs.create_queue(QueueName=target)["QueueUrl"]
            arn = self.sqs.get_queue_attributes(
                QueueUrl=self.queue_urls[target], AttributeNames=["QueueArn"]
            )["Attributes"]["QueueArn"]
            self.events.put_rule(Name=f"codeartifact-{index}", EventPattern=json.dumps(pattern))
            self.events.put_targets(Rule=f"codeartifact-{index}", Targets=[{"Id": target, "Arn": arn}])
        self.queue_url = self.queue_urls["work"]
        self.ignored_url = self.queue_urls["ignored"]

    def ignored(self) -> list[dict[str, Any]]:
        return self._drain(self.ignored_url)

    def _drain(self, url: str) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        for message in messages:
            self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return [json.loads(message["Body"]) for message in messages]

    def route(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.events.put_events(
            Entries=[
                {
                    "Source": event["source"],
                    "DetailType": event["detail-type"],
                    "Detail": json.dumps(event["detail"]),
                    "Resources": event.get("resources", []),
                }
            ]
        )
        assert response["FailedEntryCount"] == 0
        return self._drain(self.queue_url)


@pytest.fixture
def router(synthesized: Any) -> Iterator[Router]:
    template = synthesized.dry.json
    rules = domain_rules(template)
    assert len(rules) == 2  # acme and beta
    _, ignored = ignored_events_rule(template)

    def resolved(rule: dict[str, Any]) -> dict[str, Any]:
        # The pattern as CloudFormation would resolve it in moto's account
        text = json.dumps(render(rule["Properties"]["EventPattern"]))
        pattern: dict[str, Any] = json.loads(text.replace("${AWS::AccountId}", MOTO_ACCOUNT))
        return pattern

    patterns = [(resolved(rule), "work") for rule in rules.values()] + [(resolved(ignored), "ignored")]
    with mock_aws():
        yield Router(patterns)


def test_every_sample_event_reaches_the_work_queue_unless_it_is_another_detail_type(router: Router) -> None:
    samples = _samples()
    assert len(samples) >= 10  # the pipeline's samples are present
    for name, event in samples:
        # When a sample is published on the default bus
        delivered = router.route(event)
        # Then a CodeArtifact version-change event of acme arrives, whole envelope as the body;
        # the one with another detail-type does not (malformed details still arrive: the
        # worker rejects them by name, routing is not validation)
        if name.startswith("malformed/wrong-detail-type"):
            assert delivered == [], name
        else:
            assert [body["detail"] for body in delivered] == [event["detail"]], name
            assert delivered[0]["source"] == "aws.codeartifact"
            assert delivered[0]["detail-type"] == "CodeArtifact Package Version State Change"


def _variant(change: dict[str, Any], detail: dict[str, Any] | None = None) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(json.loads((EVENTS / "npm-publish.json").read_text()))
    event.update(change)
    event["detail"].update(detail or {})
    return event


@pytest.mark.parametrize(
    ("case", "event", "arrives"),
    [
        ("acme, its owner", _variant({}), True),
        ("acme, another owner", _variant({}, {"domainOwner": "999999999999"}), False),
        ("another domain", _variant({}, {"domainName": "zeta"}), False),
        (
            "beta, the deploying account",
            _variant({}, {"domainName": "beta", "domainOwner": MOTO_ACCOUNT}),
            True,
        ),
        ("beta, another account", _variant({}, {"domainName": "beta", "domainOwner": "111122223333"}), False),
        ("another source", _variant({"source": "custom.codeartifact"}), False),
        ("another detail-type", _variant({"detail-type": "CodeArtifact Repository Change"}), False),
        # Forward compatibility: what the engine does not know is not delivered (so it is not
        # retried into the DLQ); deletes arrive whatever their undocumented state says
        ("a format the engine does not know", _variant({}, {"packageFormat": "conda"}), False),
        ("a state the engine does not know", _variant({}, {"packageVersionState": "Quarantined"}), False),
        ("a non-delete without a state", _variant({}, {"packageVersionState": None}), False),
        ("an operation the engine does not know", _variant({}, {"operationType": "Moved"}), False),
        ("every format it knows", _variant({}, {"packageFormat": "cargo"}), True),
        (
            "a delete with an undocumented state",
            _variant({}, {"operationType": "Deleted", "packageVersionState": "Deleted"}),
            True,
        ),
        (
            "a delete without a state",
            _variant({}, {"operationType": "Deleted", "packageVersionState": None}),
            True,
        ),
    ],
)
def test_pattern_routes_known_answers(
    router: Router, case: str, event: dict[str, Any], arrives: bool
) -> None:
    delivered = router.route(event)
    assert (len(delivered) == 1) is arrives, case


@pytest.mark.parametrize(
    ("case", "detail", "kept"),
    [
        ("an unknown format", {"packageFormat": "conda"}, True),
        ("an unknown state", {"packageVersionState": "Quarantined"}, True),
        ("an unknown operation", {"operationType": "Moved"}, True),
        ("a known event", {}, False),
        (
            "a delete with its undocumented state",
            {"operationType": "Deleted", "packageVersionState": "Deleted"},
            False,
        ),
        (
            "an unknown format of a domain outside the policy",
            {"packageFormat": "conda", "domainName": "zeta"},
            False,
        ),
    ],
)
def test_what_the_engine_does_not_know_is_kept_aside_not_sent_to_the_worker(
    router: Router, case: str, detail: dict[str, Any], kept: bool
) -> None:
    # Counted (the queue's NumberOfMessagesSent on the dashboard) and kept for inspection,
    # never retried into the DLQ
    assert router.route(_variant({}, detail)) == [] or not kept, case
    assert (len(router.ignored()) == 1) is kept, case
