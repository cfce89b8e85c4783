"""Events from the emulator routed by a moto EventBridge rule to a moto SQS queue.

Sources:
https://docs.aws.amazon.com/codeartifact/latest/ug/service-events.html
  (source aws.codeartifact, detail-type "CodeArtifact Package Version State Change", resources =
  the package ARN, detail fields; sequenceNumber increases per package; eventDeduplicationId)
https://docs.aws.amazon.com/codeartifact/latest/ug/service-events-format-example.html
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html (the rule's pattern)
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from ca_emulator import Emulator
from emu_contract import ACCOUNT, DOMAIN, REGION, REPO, T0, http
from moto import mock_aws

PATTERN = {
    "source": ["aws.codeartifact"],
    "detail-type": ["CodeArtifact Package Version State Change"],
    "detail": {"domainName": [DOMAIN]},
}


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def receive_all(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Every message on the queue (moto delivers synchronously, so no waiting is needed)."""
    bodies: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        )
        if not messages:
            return bodies
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def publish(client: Any, domain: str, package: str, content: bytes) -> dict[str, Any]:
    result: dict[str, Any] = client.publish_package_version(
        domain=domain,
        repository=REPO,
        format="generic",
        namespace="tools",  # generic packages require one
        package=package,
        packageVersion="1.0.0",
        assetContent=content,
        assetName=f"{package}.bin",
        assetSHA256=hashlib.sha256(content).hexdigest(),
    )
    return result


def test_publish_archive_dispose_delete_events_reach_the_queue_through_the_rule(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/service-events.html
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/service-events-format-example.html
    # Given a rule on the default bus matching CodeArtifact events of domain "acme", targeting a queue.
    events = boto3.client("events", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.create_queue(QueueName="codeartifact-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(Name="codeartifact-acme", EventPattern=json.dumps(PATTERN), State="ENABLED")
    events.put_targets(Rule="codeartifact-acme", Targets=[{"Id": "queue", "Arn": queue_arn}])

    with Emulator(event_sink=events) as emu:
        # The emulator's loopback endpoint passes through moto untouched.
        monkeypatch.setenv("AWS_ENDPOINT_URL_CODEARTIFACT", emu.endpoint)
        codeartifact = boto3.client(
            "codeartifact", region_name=REGION, config=Config(retries={"max_attempts": 1, "mode": "standard"})
        )
        for domain in (DOMAIN, "other"):
            codeartifact.create_domain(domain=domain)
            codeartifact.create_repository(domain=domain, repository=REPO)
        pkg: dict[str, Any] = {
            "domain": DOMAIN,
            "repository": REPO,
            "format": "generic",
            "namespace": "tools",
            "package": "tool",
        }

        # When one version goes through its whole life in acme, and one is published in "other".
        published = publish(codeartifact, DOMAIN, "tool", b"tool v1")
        publish(codeartifact, "other", "elsewhere", b"not for us")
        codeartifact.update_package_versions_status(
            **pkg, versions=["1.0.0"], expectedStatus="Published", targetStatus="Archived"
        )
        codeartifact.dispose_package_versions(**pkg, versions=["1.0.0"], expectedStatus="Archived")
        codeartifact.delete_package_versions(**pkg, versions=["1.0.0"], expectedStatus="Disposed")
        emitted = list(emu.events)
        sink_errors = list(emu.sink_errors)

    received = receive_all(sqs, queue_url)

    # Then the emulator emitted five events, the sink took them all, and only acme's four arrived.
    assert len(emitted) == 5
    assert sink_errors == []
    # PutEvents cannot set "account" (EventBridge stamps the caller's), so check it where it is made.
    assert {e["account"] for e in emitted} == {ACCOUNT}
    assert len(received) == 4
    assert {e["detail"]["domainName"] for e in received} == {DOMAIN}
    for event in received:
        assert event["source"] == "aws.codeartifact"
        assert event["detail-type"] == "CodeArtifact Package Version State Change"
        assert event["region"] == REGION
        assert event["resources"] == [
            f"arn:aws:codeartifact:{REGION}:{ACCOUNT}:package/{DOMAIN}/{REPO}/generic/tools/tool"
        ]
        detail = event["detail"]
        assert detail["domainOwner"] == ACCOUNT
        assert detail["repositoryName"] == REPO
        assert detail["packageFormat"] == "generic"
        assert detail["packageNamespace"] == "tools"
        assert detail["packageName"] == "tool"
        assert detail["packageVersion"] == "1.0.0"

    by_step = {
        "publish": next(e["detail"] for e in received if e["detail"]["operationType"] == "Created"),
        "archive": next(e["detail"] for e in received if e["detail"]["packageVersionState"] == "Archived"),
        "dispose": next(e["detail"] for e in received if e["detail"]["packageVersionState"] == "Disposed"),
        "delete": next(e["detail"] for e in received if e["detail"]["operationType"] == "Deleted"),
    }
    assert by_step["publish"]["packageVersionState"] == "Published"
    assert by_step["publish"]["packageVersionRevision"] == published["versionRevision"]
    assert by_step["publish"]["changes"]["assetsAdded"] == 1
    assert [by_step[s]["operationType"] for s in ("publish", "archive", "dispose")] == [
        "Created",
        "Updated",
        "Updated",
    ]
    assert all(by_step[s]["changes"]["statusChanged"] is True for s in ("publish", "archive", "dispose"))
    # sequenceNumber increases (by any amount) with each change of the package.
    sequence = [by_step[s]["sequenceNumber"] for s in ("publish", "archive", "dispose", "delete")]
    assert sequence == sorted(sequence)
    assert len(set(sequence)) == 4
    assert len({e["detail"]["eventDeduplicationId"] for e in received}) == 4


def test_the_delivery_fault_duplicates_and_reorders_what_reaches_the_queue(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # EventBridge delivery is at least once and unordered: the fault (set over HTTP, as any
    # client of the emulator would) makes the queue see duplicates and out-of-order sequences.
    events = boto3.client("events", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.create_queue(QueueName="codeartifact-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(Name="codeartifact-acme", EventPattern=json.dumps(PATTERN), State="ENABLED")
    events.put_targets(Rule="codeartifact-acme", Targets=[{"Id": "queue", "Arn": queue_arn}])
    versions = [f"1.{i}.0" for i in range(12)]

    with Emulator(event_sink=events) as emu:
        monkeypatch.setenv("AWS_ENDPOINT_URL_CODEARTIFACT", emu.endpoint)
        emu.add_versions(DOMAIN, REPO, "npm", "acme", "widgets", [(v, T0) for v in versions])
        status, _ = http(
            emu.endpoint, "POST", "/_emulator/faults", {"event_seed": 13, "event_duplicate_ratio": 0.5}
        )
        assert status == 200
        codeartifact = boto3.client(
            "codeartifact", region_name=REGION, config=Config(retries={"max_attempts": 1, "mode": "standard"})
        )
        codeartifact.update_package_versions_status(
            domain=DOMAIN,
            repository=REPO,
            format="npm",
            namespace="acme",
            package="widgets",
            versions=versions,
            targetStatus="Archived",
        )
        emitted = [e["detail"]["eventDeduplicationId"] for e in emu.events]

    received = [e["detail"] for e in receive_all(sqs, queue_url)]
    counts = Counter(d["eventDeduplicationId"] for d in received)
    assert set(counts) == set(emitted)  # every event at least once
    assert 1 < max(counts.values()) == 2  # some twice, none more
    sequence = [d["sequenceNumber"] for d in received]
    assert sequence != sorted(sequence)
