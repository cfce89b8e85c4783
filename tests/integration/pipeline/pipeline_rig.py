"""Builders for the pipeline integration tests (see conftest.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from ca_emulator import Emulator
from ca_lifecycle.app.dependencies import Dependencies
from ca_lifecycle.app.package import process_package
from ca_lifecycle.gateway import CodeArtifactGateway
from ca_lifecycle.handlers import set_dependencies, sweep, worker
from ca_lifecycle.ledger import DynamoDBLedger
from ca_lifecycle.policy import PolicyDocument, parse_policy
from ca_lifecycle.queue import WorkQueue

NOW = datetime.now(UTC).replace(microsecond=0)
DOMAIN, REPO, OWNER = "acme", "release", "111122223333"
TABLE = "ca-lifecycle-ledger"
MUTATING = ("UpdatePackageVersionsStatus", "DisposePackageVersions", "PutPackageOriginConfiguration")
EVENT_PATTERN = {
    "source": ["aws.codeartifact"],
    "detail-type": ["CodeArtifact Package Version State Change"],
    "detail": {"domainName": [DOMAIN]},
}


def policy(mode: str = "enforce", **overrides: Any) -> dict[str, Any]:
    npm: dict[str, Any] = {
        "id": "npm-acme",
        "scope": {"domain": DOMAIN, "repositories": [REPO, "ci-*"], "packages": ["/npm/acme/*"]},
        "protect": [{"newest": 2}],
        "archive": [{"beyond_newest": 2}],
        "dispose": {"archived_for": "30d"},
        "origin_lock": "auto",
    }
    npm.update(overrides)
    return {
        "version": 1,
        "mode": mode,
        "policies": [npm],
        "guardrails": {"keep_at_least": 1, "max_archive_fraction": 1.0},
    }


class Clock:
    """The worker's clock: real time plus an offset the tests can advance."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class Pipeline:
    emulator: Emulator
    events: Any
    sqs: Any
    queue_url: str
    dlq_url: str
    ledger: DynamoDBLedger
    clock: Clock
    deps: Dependencies
    responses: list[dict[str, Any]] = field(default_factory=list)
    handled: list[str] = field(default_factory=list)  # bodies handed to the worker, in order

    # ---------------------------------------------------------------------------- setup

    def use_policy(self, document: dict[str, Any]) -> PolicyDocument:
        parsed = parse_policy(document)
        self.deps = replace(self.deps, document=parsed)
        set_dependencies(self.deps)
        return parsed

    def use_gateway(self, gateway: CodeArtifactGateway) -> None:
        self.deps = replace(self.deps, gateway=gateway)
        set_dependencies(self.deps)

    def seed_package(
        self,
        name: str,
        versions: list[str],
        *,
        namespace: str | None = "acme",
        repository: str = REPO,
        origin: tuple[str, str] | None = ("ALLOW", "ALLOW"),
        fmt: str = "npm",
    ) -> None:
        """Versions published a day apart, oldest first, without events (history before us)."""
        start = NOW - timedelta(days=len(versions) + 1)
        for i, version in enumerate(versions):
            self.emulator.add_version(
                DOMAIN, repository, fmt, namespace, name, version, published=start + timedelta(days=i)
            )
        if origin is not None:
            self.emulator.set_origin_configuration(DOMAIN, repository, fmt, namespace, name, *origin)

    def publish(
        self, name: str, version: str, *, namespace: str | None = "acme", repository: str = REPO
    ) -> None:
        """A new version, emitting its real-shaped event into moto EventBridge."""
        self.emulator.add_version(DOMAIN, repository, "npm", namespace, name, version, emit_event=True)

    def statuses(
        self, name: str, versions: list[str], namespace: str | None = "acme"
    ) -> dict[str, str | None]:
        return {v: self.emulator.version_status(DOMAIN, REPO, "npm", namespace, name, v) for v in versions}

    def origin(self, name: str, namespace: str | None = "acme") -> dict[str, str]:
        return dict(self.emulator.origin_configuration(DOMAIN, REPO, "npm", namespace, name))

    def mutating_calls(self) -> dict[str, int]:
        stats = self.emulator.stats()
        return {op: stats.get(op, 0) for op in MUTATING if stats.get(op, 0)}

    # ---------------------------------------------------------------------------- queue

    def send_raw(self, *bodies: str) -> None:
        for body in bodies:
            self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=body)

    def receive(self, url: str | None = None, max_messages: int = 10) -> list[dict[str, Any]]:
        response = self.sqs.receive_message(
            QueueUrl=url or self.queue_url, MaxNumberOfMessages=max_messages, AttributeNames=["All"]
        )
        return list(response.get("Messages", []))

    def run_batch(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """Hand received messages to the worker as Lambda would; delete the successful ones."""
        event = {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m.get("Attributes", {}),
                    "messageAttributes": {},
                    "md5OfBody": m["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:work",
                    "awsRegion": "us-east-1",
                }
                for m in messages
            ]
        }
        self.handled.extend(m["Body"] for m in messages)
        response = dict(worker.handler(event, LambdaContext()))
        self.responses.append(response)
        failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
        for m in messages:
            if m["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
        return response

    def drain(self, max_batches: int = 40) -> int:
        """Run the worker until the queue is empty; return how many batches it took."""
        for batch in range(max_batches):
            messages = self.receive()
            if not messages:
                return batch
            self.run_batch(messages)
        raise AssertionError(f"queue not drained after {max_batches} batches")

    def queue_depth(self, url: str | None = None) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url or self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def sweep(self) -> dict[str, Any]:
        return dict(sweep.handler({"kind": "sweep"}, LambdaContext(function_name="sweep")))

    def close(self) -> None:
        set_dependencies(None)


@dataclass
class LambdaContext:
    function_name: str = "worker"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = f"arn:aws:lambda:us-east-1:{OWNER}:function:ca-lifecycle"
    aws_request_id: str = "integration"


def build_pipeline(emulator: Emulator, tmp_path: Path, *, max_receive_count: int = 3) -> Pipeline:
    """Inside mock_aws: queue + DLQ, the EventBridge rule routing CodeArtifact events, the table."""
    region = "us-east-1"
    sqs = boto3.client("sqs", region_name=region)
    dlq_url = sqs.create_queue(QueueName="ca-lifecycle-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue_url = sqs.create_queue(
        QueueName="ca-lifecycle-work",
        Attributes={
            # Failed records come back at once (Lambda would wait the visibility timeout).
            "VisibilityTimeout": "0",
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}
            ),
        },
    )["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]

    events = boto3.client("events", region_name=region)
    events.put_rule(Name="codeartifact-package-version", EventPattern=json.dumps(EVENT_PATTERN))
    events.put_targets(Rule="codeartifact-package-version", Targets=[{"Id": "work-queue", "Arn": queue_arn}])

    dynamodb = boto3.client("dynamodb", region_name=region)
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )

    emulator.event_sink = events
    emulator.create_domain(DOMAIN)
    emulator.create_repository(DOMAIN, REPO)

    clock = Clock()
    ledger = DynamoDBLedger(TABLE)
    deps = Dependencies(
        document=parse_policy(policy()),
        gateway=CodeArtifactGateway(),
        ledger=ledger,
        queue=WorkQueue(queue_url),
        process_package=process_package,
        clock=clock,
    )
    set_dependencies(deps)
    return Pipeline(emulator, events, sqs, queue_url, dlq_url, ledger, clock, deps)
