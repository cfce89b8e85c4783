"""Fakes and builders for the handler tests: gateway, queue, recording process_package, SQS events."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ca_lifecycle.app.dependencies import Dependencies
from ca_lifecycle.app.outcomes import Outcome
from ca_lifecycle.app.package import PackageResult
from ca_lifecycle.engine import Decision, Evaluation
from ca_lifecycle.facts import Action, OriginConfig, PackageRef, Restriction, Status
from ca_lifecycle.gateway import PackageSummary
from ca_lifecycle.ledger import LocalLedger
from ca_lifecycle.policy import PolicyDocument
from pydantic import BaseModel

NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
EVENTS = Path(__file__).resolve().parents[3] / "events"

POLICY: dict[str, Any] = {
    "version": 1,
    "mode": "enforce",
    "policies": [
        {
            "id": "npm-libraries",
            "scope": {"domain": "acme", "repositories": ["release", "ci-*"], "packages": ["/npm/acme/*"]},
            "archive": [{"beyond_newest": 3}],
        },
        {
            "id": "maven",
            "scope": {"domain": "acme", "domain_owner": "111122223333", "repositories": ["release"]},
            "archive": [{"beyond_newest": 3}],
        },
    ],
}


@dataclass
class FakeGateway:
    repositories: dict[tuple[str, str | None], list[str]] = field(default_factory=dict)
    # (repository, token) -> (packages, next token)
    pages: dict[tuple[str, str | None], tuple[list[PackageRef], str | None]] = field(default_factory=dict)
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    fail_listing: Exception | None = None

    def list_repositories(self, domain: str, owner: str | None) -> list[str]:
        self.calls.append(("list_repositories", domain, owner))
        return list(self.repositories.get((domain, owner), []))

    def list_packages_page(
        self,
        domain: str,
        owner: str | None,
        repository: str,
        next_token: str | None,
        *,
        publish: Restriction | None = None,
        upstream: Restriction | None = None,
    ) -> tuple[list[PackageSummary], str | None]:
        self.calls.append(("list_packages_page", domain, owner, repository, next_token, publish, upstream))
        if self.fail_listing is not None:
            raise self.fail_listing
        refs, token = self.pages.get((repository, next_token), ([], None))
        return [PackageSummary(ref, None) for ref in refs], token


@dataclass
class FakeQueue:
    sent: list[BaseModel] = field(default_factory=list)

    def send(self, items: Sequence[BaseModel]) -> int:
        self.sent.extend(items)
        return len(items)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(item.model_dump_json()) for item in self.sent]


@dataclass
class FakeService:
    """Records each call; ``decisions`` per package name; ``fail`` names packages that raise."""

    decisions: dict[str, list[tuple[str, Action]]] = field(default_factory=dict)
    outcomes: dict[str, dict[str, Outcome]] = field(default_factory=dict)
    origin_outcome: Outcome | None = None
    applied: bool = True
    fail: dict[str, Exception] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(
        self,
        package: PackageRef,
        *,
        document: PolicyDocument,
        gateway: Any,
        ledger: Any,
        now: datetime,
        apply: bool,
        known_published: Mapping[str, datetime] = {},
        sequence: int | None = None,
        known_origin: OriginConfig | None = None,
    ) -> PackageResult:
        self.calls.append(
            {
                "package": package,
                "now": now,
                "apply": apply,
                "known_published": dict(known_published),
                "sequence": sequence,
                "known_origin": known_origin,
            }
        )
        if package.name in self.fail:
            raise self.fail[package.name]
        # As process_package does: the package summary, once, after success.
        ledger.record_evaluation(package, now, sequence)
        decisions = tuple(
            Decision(version, Status.PUBLISHED, action, f"test {action}", None, "REV")
            for version, action in self.decisions.get(package.name, [])
        )
        evaluation = Evaluation(
            package=package,
            policy_id="npm-libraries",
            decisions=decisions,
            origin_target=OriginConfig(Restriction.ALLOW, Restriction.BLOCK),
            needs=None,
            record_archived=(),
        )
        return PackageResult(
            evaluation=evaluation,
            applied=self.applied,
            outcomes=dict(self.outcomes.get(package.name, {})),
            origin_outcome=self.origin_outcome,
            describes=0,
            sources={},
        )


@dataclass
class LambdaContext:
    function_name: str = "worker"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:111122223333:function:worker"
    aws_request_id: str = "req-1"


@dataclass
class World:
    gateway: FakeGateway
    queue: FakeQueue
    service: FakeService
    ledger: LocalLedger
    deps: Dependencies


def sample_events(name: str) -> list[dict[str, Any]]:
    data = json.loads((EVENTS / name).read_text())
    return data if isinstance(data, list) else [data]


def sqs_event(*bodies: str | dict[str, Any]) -> dict[str, Any]:
    """An SQS Lambda event; message ids are m0, m1, …"""
    return {
        "Records": [
            {
                "messageId": f"m{i}",
                "receiptHandle": f"rh{i}",
                "body": body if isinstance(body, str) else json.dumps(body),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:111122223333:work",
                "awsRegion": "us-east-1",
            }
            for i, body in enumerate(bodies)
        ]
    }


def failed_ids(response: Mapping[str, Any]) -> list[str]:
    return sorted(item["itemIdentifier"] for item in response["batchItemFailures"])
