"""Sweep handler with fakes; the queue publisher; settings; dependency wiring from the environment."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from ca_lifecycle.config import ConfigError, load_settings
from ca_lifecycle.handlers import _dependencies, build_dependencies, set_dependencies, sweep
from ca_lifecycle.handlers.sweep import SweepError
from ca_lifecycle.ledger import DynamoDBLedger
from ca_lifecycle.messages import PackageWorkItem, RepositoryPageItem
from ca_lifecycle.policy import parse_policy
from ca_lifecycle.queue import QueuePublishError, WorkQueue
from handler_fakes import POLICY, LambdaContext, World

OWNER = "111122223333"

# ------------------------------------------------------------------------------ sweep


def test_sweep_enqueues_one_page_per_repository_in_scope(world: World) -> None:
    # Given the domain's repositories, of which the npm policy's globs match release and ci-*
    world.gateway.repositories[("acme", OWNER)] = ["release", "ci-main", "ci-nightly", "sandbox"]
    # When the scheduled sweep runs (no domain_owner in the npm policy: the function's account)
    summary = sweep.handler({"kind": "sweep"}, LambdaContext(function_name="sweep"))
    # Then one repository-page item per matching repository, first pages, owner resolved
    assert world.queue.bodies() == [
        {
            "kind": "repository-page",
            "domain": "acme",
            "domain_owner": OWNER,
            "repository": repository,
            "next_token": None,
            "unlocked_only": False,
            "page": 0,
        }
        for repository in ["release", "ci-main", "ci-nightly"]
    ]
    assert summary == {
        "domains": ["acme"],
        "repositories": ["acme/release", "acme/ci-main", "acme/ci-nightly"],
        "enqueued": 3,
        "unlocked_only": False,
    }
    # And the repositories were listed once although two policies name the domain
    assert world.gateway.calls == [("list_repositories", "acme", OWNER)]


def test_sweep_without_an_input_and_unlocked_only(world: World) -> None:
    world.gateway.repositories[("acme", OWNER)] = ["release"]
    assert sweep.handler(None, LambdaContext())["enqueued"] == 1
    summary = sweep.handler({"kind": "sweep", "unlocked_only": True}, LambdaContext())
    assert summary["unlocked_only"] is True
    assert world.queue.bodies()[-1]["unlocked_only"] is True


def test_sweep_rejects_another_kind_naming_the_field(world: World) -> None:
    with pytest.raises(ValueError, match=r"^kind: "):
        sweep.handler({"kind": "package"}, LambdaContext())
    assert world.queue.sent == []


def test_sweep_with_unknown_account_keeps_the_owner_unknown(world: World) -> None:
    world.gateway.repositories[("acme", None)] = ["release"]
    world.gateway.repositories[("acme", OWNER)] = []
    sweep.handler({}, LambdaContext(invoked_function_arn="not-an-arn"))
    assert [b["domain_owner"] for b in world.queue.bodies()] == [None]


# ------------------------------------------------------------------------------ queue


@dataclass
class FakeSQS:
    """Fails the listed entry ids on the first N calls."""

    fail_ids: list[set[str]] = field(default_factory=list)
    calls: list[list[dict[str, Any]]] = field(default_factory=list)

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.calls.append(Entries)
        failing = self.fail_ids.pop(0) if self.fail_ids else set()
        return {
            "Successful": [{"Id": e["Id"]} for e in Entries if e["Id"] not in failing],
            "Failed": [
                {"Id": e["Id"], "SenderFault": False, "Code": "InternalError", "Message": "try again"}
                for e in Entries
                if e["Id"] in failing
            ],
        }


def items(count: int) -> list[PackageWorkItem]:
    return [
        PackageWorkItem(
            domain="acme", domain_owner=OWNER, repository="r", format="npm", namespace=None, name=f"p{i}"
        )
        for i in range(count)
    ]


def test_queue_sends_in_batches_of_ten_in_order() -> None:
    sqs = FakeSQS()
    assert WorkQueue("https://sqs/q", client=sqs).send(items(23)) == 23  # type: ignore[arg-type]
    assert [len(call) for call in sqs.calls] == [10, 10, 3]
    names = [json.loads(e["MessageBody"])["name"] for call in sqs.calls for e in call]
    assert names == [f"p{i}" for i in range(23)]


def test_queue_retries_failed_entries_once() -> None:
    sqs = FakeSQS(fail_ids=[{"3", "7"}])
    WorkQueue("https://sqs/q", client=sqs).send(items(10))  # type: ignore[arg-type]
    assert [sorted(e["Id"] for e in call) for call in sqs.calls][1] == ["3", "7"]


def test_queue_raises_when_the_retry_fails_too() -> None:
    sqs = FakeSQS(fail_ids=[{"3"}, {"3"}])
    with pytest.raises(QueuePublishError, match="1 message"):
        WorkQueue("https://sqs/q", client=sqs).send(items(10))  # type: ignore[arg-type]


def test_queue_against_moto_sqs() -> None:
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("sqs", region_name="us-east-1")
        url = client.create_queue(QueueName="work")["QueueUrl"]
        page = RepositoryPageItem(domain="acme", domain_owner=OWNER, repository="release")
        WorkQueue(url).send([page, *items(12)])
        received: list[str] = []
        while batch := client.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
            received += [m["Body"] for m in batch]
            for m in batch:
                client.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert len(received) == 13
    assert json.loads(received[0])["kind"] == "repository-page"


# ------------------------------------------------------------------------------ settings / wiring

ENV = {
    "POLICY_FILE": "policy.json",
    "LEDGER_TABLE": "ledger",
    "WORK_QUEUE_URL": "https://sqs.us-east-1/1/work",
}


def test_settings_parse_and_resolve_the_policy_against_the_task_root() -> None:
    settings = load_settings({**ENV, "LAMBDA_TASK_ROOT": "/var/task"})
    assert settings.policy_path == Path("/var/task/policy.json")
    assert settings.ledger_table == "ledger"
    assert load_settings({**ENV, "POLICY_FILE": "/abs/p.json"}).policy_path == Path("/abs/p.json")


@pytest.mark.parametrize(
    ("change", "variable"),
    [
        ({"POLICY_FILE": None}, "POLICY_FILE"),
        ({"LEDGER_TABLE": ""}, "LEDGER_TABLE"),
        ({"WORK_QUEUE_URL": "work"}, "WORK_QUEUE_URL"),
    ],
)
def test_settings_errors_name_the_variable(change: dict[str, str | None], variable: str) -> None:
    env = {k: v for k, v in {**ENV, **change}.items() if v is not None}
    with pytest.raises(ConfigError, match=f"^{variable}: "):
        load_settings(env)


def test_dependencies_are_built_from_the_environment_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the Lambda environment and a policy file in the task root
    (tmp_path / "policy.json").write_text(json.dumps(POLICY))
    monkeypatch.setenv("LAMBDA_TASK_ROOT", str(tmp_path))
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    set_dependencies(None)
    try:
        # When the handlers ask for their dependencies twice
        first = _dependencies()
        second = _dependencies()
    finally:
        set_dependencies(None)
    # Then they were built once, lazily (no client exists yet), from those settings
    assert first is second
    assert [p.id for p in first.document.policies] == ["npm-libraries", "maven"]
    assert isinstance(first.ledger, DynamoDBLedger)
    assert first.ledger.table_name == "ledger"
    assert isinstance(first.queue, WorkQueue)
    assert first.queue.queue_url == ENV["WORK_QUEUE_URL"]


def test_missing_environment_fails_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ENV:
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(ConfigError, match="POLICY_FILE: required"):
        build_dependencies()


def test_a_domain_that_cannot_be_listed_does_not_starve_the_others(world: World) -> None:
    # Given two domains in the policy, the first of which cannot be listed
    document = {
        **POLICY,
        "policies": [
            {"id": "broken", "scope": {"domain": "gone"}},
            {"id": "fine", "scope": {"domain": "acme", "packages": ["/maven/*"]}},
        ],
    }
    world_deps = replace(world.deps, document=parse_policy(document))
    set_dependencies(world_deps)
    world.gateway.repositories[("acme", OWNER)] = ["release"]

    def list_repositories(domain: str, owner: str | None) -> list[str]:
        if domain == "gone":
            raise RuntimeError("ListRepositoriesInDomain: ResourceNotFoundException")
        return ["release"]

    world.gateway.list_repositories = list_repositories  # type: ignore[method-assign]
    # When the sweep runs, it fails naming the domain, after enqueuing the healthy one
    with pytest.raises(SweepError, match="gone: ListRepositoriesInDomain"):
        sweep.handler({}, LambdaContext())
    assert [b["domain"] for b in world.queue.bodies()] == ["acme"]
