"""The synthesized functions as Lambda would run them: their environment, their asset, their roles.

Template assertions alone cannot catch a role that lacks an action the code calls, an
environment variable ``config.py`` does not know, or an asset that imports something only the
dev venv has. These tests run the real handlers against the synthesized settings:

- ``test_every_aws_call_is_allowed_by_the_functions_role``: the enforce stack's environment
  (the table and queue refs resolved to moto resources, ``LAMBDA_TASK_ROOT`` = the staged
  asset), the emulator as CodeArtifact, the synthesized rule routing the emulator's events;
  every AWS operation each handler makes is recorded and must be allowed by that function's
  own role, and the enforce worker's role holds nothing the run did not need (but dispose);
- ``test_dry_run_functions_never_need_a_permission_their_roles_lack``: the same with the dry
  stack, whose worker role has no write action: the code must not attempt one;
- ``test_staged_asset_imports_only_what_the_layer_and_runtime_carry``: a fresh interpreter
  with only the staged asset ahead of site-packages imports both handlers and builds their
  dependencies from the template's environment, with PyYAML, rich and packaging blocked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import boto3
import pytest
from ca_emulator import Emulator
from moto import mock_aws
from template_helpers import (
    actions_of,
    domain_rules,
    function_by_handler,
    render,
    resources,
    resources_of,
    role_statements,
)

pytestmark = pytest.mark.infra

WORKER = "ca_lifecycle.handlers.worker.handler"
SWEEP = "ca_lifecycle.handlers.sweep.handler"
# The emulator's account: the enforce policy names no domain_owner, so this plays the
# deploying account (AWS::AccountId) in the rule pattern and the sweep's function ARN.
ACCOUNT = "111122223333"
REGION = "us-east-1"
# CDK's grant_consume_messages for the SQS event source; Lambda makes these calls, not our code.
EVENT_SOURCE_MAPPING_CALLS = {
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
}
WRITE_ACTIONS = {
    "codeartifact:UpdatePackageVersionsStatus",
    "codeartifact:DisposePackageVersions",
    "codeartifact:PutPackageOriginConfiguration",
}
# IAM authorizes these API operations with another action's name.
IAM_ACTION_OF = {
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
}


@dataclass
class CallRecorder:
    """Every AWS operation made through boto3's default session, filed under the current phase."""

    phase: str | None = None
    calls: dict[str, set[str]] = field(default_factory=dict)
    # The handlers run on this thread; the emulator's server threads publish CodeArtifact's
    # own events (PutEvents) through the same session, and those are not the function's calls.
    thread: int = field(default_factory=threading.get_ident)

    def __call__(self, model: Any, **_: Any) -> None:
        if self.phase is not None and threading.get_ident() == self.thread:
            action = f"{model.service_model.signing_name}:{model.name}"
            self.calls.setdefault(self.phase, set()).add(IAM_ACTION_OF.get(action, action))


@dataclass
class WriteRecorder:
    """The package ARN tail (after ``package/``) of every CodeArtifact write the handlers make."""

    writes: set[tuple[str, str]] = field(default_factory=set)
    thread: int = field(default_factory=threading.get_ident)

    def __call__(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if f"codeartifact:{model.name}" in WRITE_ACTIONS and threading.get_ident() == self.thread:
            tail = "/".join(
                (
                    params["domain"],
                    params["repository"],
                    params["format"],
                    params.get("namespace") or "",
                    params["package"],
                )
            )
            self.writes.add((f"codeartifact:{model.name}", tail))


@dataclass(frozen=True)
class Context:
    """The Lambda context fields the handlers read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 256
    aws_request_id: str = "infra-runtime"


def _context(name: str) -> Context:
    return Context(name, f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}")


def _allowed(template: dict[str, Any], handler: str) -> set[str]:
    _, function = function_by_handler(template, handler)
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    return {action for s in role_statements(template, role_id) for action in actions_of(s)}


def _environment(template: dict[str, Any], handler: str, refs: dict[str, str]) -> dict[str, str]:
    """The function's environment as CloudFormation would resolve it, refs from ``refs``."""
    _, function = function_by_handler(template, handler)
    env: dict[str, str] = {}
    for name, value in function["Properties"]["Environment"]["Variables"].items():
        if isinstance(value, dict):
            # Only refs to the resources this test stands up: anything else would go unchecked
            assert set(value) == {"Ref"}, (name, value)
            assert value["Ref"] in refs, (name, value)
            env[name] = refs[value["Ref"]]
        else:
            env[name] = value
    return env


@dataclass
class Deployed:
    template: dict[str, Any]
    emulator: Emulator
    sqs: Any
    queue_url: str
    recorder: CallRecorder
    write_recorder: WriteRecorder
    environments: dict[str, dict[str, str]]

    def sweep(self, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
        from ca_lifecycle.handlers import set_dependencies, sweep

        (schedule,) = resources(self.template, "AWS::Scheduler::Schedule").values()
        self._become(SWEEP, monkeypatch)
        set_dependencies(None)  # built from the environment, as in a fresh execution environment
        self.recorder.phase = "sweep"
        try:
            # Exactly the input the schedule sends
            result: dict[str, Any] = sweep.handler(
                json.loads(schedule["Properties"]["Target"]["Input"]), _context("sweep")
            )
        finally:
            self.recorder.phase = None
        return result

    def drain_worker(self, monkeypatch: pytest.MonkeyPatch, max_batches: int = 30) -> list[str]:
        """Play the SQS event source mapping; return the ids of records the worker failed."""
        from ca_lifecycle.handlers import set_dependencies, worker

        self._become(WORKER, monkeypatch)
        set_dependencies(None)
        failed: list[str] = []
        for _ in range(max_batches):
            messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not messages:
                return failed
            event = {
                "Records": [
                    {
                        "messageId": m["MessageId"],
                        "receiptHandle": m["ReceiptHandle"],
                        "body": m["Body"],
                        "attributes": {},
                        "messageAttributes": {},
                        "md5OfBody": m["MD5OfBody"],
                        "eventSource": "aws:sqs",
                        "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:work",
                        "awsRegion": REGION,
                    }
                    for m in messages
                ]
            }
            self.recorder.phase = "worker"
            try:
                response = worker.handler(event, _context("worker"))
            finally:
                self.recorder.phase = None
            batch_failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
            failed.extend(batch_failed)
            for m in messages:
                if m["MessageId"] not in batch_failed:
                    self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
        raise AssertionError(f"work queue not drained after {max_batches} batches")

    def _become(self, handler: str, monkeypatch: pytest.MonkeyPatch) -> None:
        for name, value in self.environments[handler].items():
            monkeypatch.setenv(name, value)


@pytest.fixture
def deployed(
    request: pytest.FixtureRequest, synthesized: Any, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Deployed]:
    """One synthesized stack (``enforce`` unless parametrized indirectly), stood up offline."""
    from ca_lifecycle.handlers import set_dependencies

    stack = getattr(synthesized, getattr(request, "param", "enforce"))
    template = stack.json
    (table_id, table), *_ = resources(template, "AWS::DynamoDB::Table").items()
    rules = list(domain_rules(template).values())  # the ones targeting the work queue
    (mapping,) = resources(template, "AWS::Lambda::EventSourceMapping").values()
    queue_id = mapping["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]
    # Tracer off: LAMBDA_TASK_ROOT below would otherwise make it look for an X-Ray daemon.
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    recorder = CallRecorder()
    write_recorder = WriteRecorder()
    with mock_aws():
        boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        boto3.DEFAULT_SESSION.events.register("before-call", recorder)
        boto3.DEFAULT_SESSION.events.register("before-parameter-build.codeartifact", write_recorder)
        sqs = boto3.client("sqs", region_name=REGION)
        queue_url = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        # The ledger exactly as synthesized: keys, attribute types, billing mode
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName="ledger",
            KeySchema=table["Properties"]["KeySchema"],
            AttributeDefinitions=table["Properties"]["AttributeDefinitions"],
            BillingMode=table["Properties"]["BillingMode"],
        )
        events = boto3.client("events", region_name=REGION)
        for index, rule in enumerate(rules):  # one per policy domain
            pattern = json.dumps(render(rule["Properties"]["EventPattern"])).replace(
                "${AWS::AccountId}", ACCOUNT
            )
            events.put_rule(Name=f"codeartifact-{index}", EventPattern=pattern)
            events.put_targets(Rule=f"codeartifact-{index}", Targets=[{"Id": "work", "Arn": queue_arn}])
        emulator.event_sink = events
        refs = {table_id: "ledger", queue_id: queue_url}
        task_root = {"LAMBDA_TASK_ROOT": str(stack.asset_dir)}
        environments = {
            handler: {**_environment(template, handler, refs), **task_root} for handler in (WORKER, SWEEP)
        }
        try:
            yield Deployed(template, emulator, sqs, queue_url, recorder, write_recorder, environments)
        finally:
            set_dependencies(None)
            boto3.DEFAULT_SESSION.events.unregister("before-call", recorder)
            boto3.DEFAULT_SESSION.events.unregister("before-parameter-build.codeartifact", write_recorder)
            boto3.DEFAULT_SESSION = None


def test_every_aws_call_is_allowed_by_the_functions_role(
    deployed: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the enforce policy's repository with an internal package of 14 old versions
    now = datetime.now(UTC)
    deployed.emulator.create_domain("acme")
    deployed.emulator.create_repository("acme", "release")
    for i in range(14):
        deployed.emulator.add_version(
            "acme", "release", "npm", "acme", "gadgets", f"1.{i}.0", published=now - timedelta(days=400 - i)
        )
    deployed.emulator.set_origin_configuration("acme", "release", "npm", "acme", "gadgets", "ALLOW", "ALLOW")
    # When the schedule's input runs the sweep and the worker drains what it enqueued
    summary = deployed.sweep(monkeypatch)
    assert summary["repositories"] == ["acme/release"]
    assert deployed.drain_worker(monkeypatch) == []
    # ... and a publish event travels through the synthesized rule to the worker
    deployed.emulator.add_version("acme", "release", "npm", "acme", "gadgets", "1.14.0", emit_event=True)
    assert deployed.drain_worker(monkeypatch) == []
    # Then the enforce path really ran (archives and the origin lock were written) ...
    stats = deployed.emulator.stats()
    assert stats.get("UpdatePackageVersionsStatus", 0) >= 1
    assert stats.get("PutPackageOriginConfiguration", 0) == 1
    # ... and each function's every call is allowed by its own role
    calls = deployed.recorder.calls
    assert {
        "codeartifact:ListPackages",  # the repository-page fan-out
        "codeartifact:ListPackageVersions",
        "codeartifact:UpdatePackageVersionsStatus",
        "sqs:SendMessage",  # package items and next pages
        "dynamodb:PutItem",  # the event claim
    } <= calls["worker"]
    worker_allowed = _allowed(deployed.template, WORKER)
    assert calls["worker"] - worker_allowed == set()
    # ... and nothing more than the run needed, except dispose (it needs a 30-day wait) and
    # what Lambda's event source mapping calls with the worker's role to consume the queue
    unused = {a for a in worker_allowed - calls["worker"] if not a.startswith(("xray:", "logs:"))}
    assert unused - EVENT_SOURCE_MAPPING_CALLS == {"codeartifact:DisposePackageVersions"}
    # ... and every write's package ARN lies inside the role's scoped write resources
    _, worker = function_by_handler(deployed.template, WORKER)
    write_patterns = {
        action: {arn.split(":package/", 1)[1] for arn in resources_of(statement)}
        for statement in role_statements(deployed.template, worker["Properties"]["Role"]["Fn::GetAtt"][0])
        for action in actions_of(statement)
        if action in WRITE_ACTIONS
    }
    writes = deployed.write_recorder.writes
    assert {action for action, _ in writes} >= {
        "codeartifact:UpdatePackageVersionsStatus",
        "codeartifact:PutPackageOriginConfiguration",
    }
    for action, tail in writes:
        assert any(fnmatchcase(tail, pattern) for pattern in write_patterns[action]), (action, tail)
    sweep_allowed = _allowed(deployed.template, SWEEP)
    assert calls["sweep"] == {"codeartifact:ListRepositoriesInDomain", "sqs:SendMessage"}
    assert calls["sweep"] - sweep_allowed == set()
    # The sweep's role is exactly its calls (its async-failure DLQ send is also sqs:SendMessage)
    assert {a for a in sweep_allowed - calls["sweep"] if not a.startswith(("xray:", "logs:"))} == set()


# Runs in a fresh interpreter: only the staged asset may provide ca_lifecycle, and the
# packages neither the Powertools layer nor the Lambda runtime carries cannot be imported.
PROBE = """
import importlib.abc, json, sys
BLOCKED = ("yaml", "rich", "packaging", "ca_emulator", "ca_lifecycle_cli", "moto")
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is not in the Lambda runtime or the Powertools layer")
        return None
sys.meta_path.insert(0, Block())
sys.path.insert(0, sys.argv[1])
import ca_lifecycle.handlers.worker, ca_lifecycle.handlers.sweep
from ca_lifecycle.handlers import build_dependencies
deps = build_dependencies()
print(json.dumps({
    "package": ca_lifecycle.__file__,
    "mode": deps.document.mode.value,
    "policies": [p.id for p in deps.document.policies],
    "modules": sorted({m.split(".")[0] for m in sys.modules}),
}))
"""
# What the python3.13 runtime (boto3 and its dependencies) and the Powertools v3 layer
# (powertools, pydantic v2 and its dependencies, aws-xray-sdk) provide besides the stdlib.
PROVIDED = {
    "annotated_types",
    "aws_lambda_powertools",
    "aws_xray_sdk",
    "boto3",
    "botocore",
    "certifi",  # optional for botocore, which falls back to its own CA bundle
    "dateutil",
    "jmespath",
    "pydantic",
    "pydantic_core",
    "s3transfer",
    "six",
    "typing_extensions",
    "typing_inspection",
    "urllib3",
    "wrapt",
}


@pytest.mark.parametrize("handler", [WORKER, SWEEP])
def test_staged_asset_imports_only_what_the_layer_and_runtime_carry(synthesized: Any, handler: str) -> None:
    # Given the staged asset and the function's environment as synthesized
    template = synthesized.enforce.json
    (table_id,) = resources(template, "AWS::DynamoDB::Table")
    (mapping,) = resources(template, "AWS::Lambda::EventSourceMapping").values()
    queue_id = mapping["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]
    refs = {table_id: "ledger", queue_id: "https://sqs.us-east-1.amazonaws.com/111122223333/work"}
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AWS_", "POWERTOOLS"))},
        **_environment(template, handler, refs),
        "LAMBDA_TASK_ROOT": str(synthesized.enforce.asset_dir),
        "POWERTOOLS_TRACE_DISABLED": "1",
        "AWS_DEFAULT_REGION": REGION,
    }
    # When a fresh interpreter imports the handlers and builds their dependencies from it
    run = subprocess.run(
        [sys.executable, "-c", PROBE, str(synthesized.enforce.asset_dir)],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(synthesized.enforce.asset_dir).parent,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    probe = json.loads(run.stdout.strip().splitlines()[-1])
    # Then the code came from the asset, the bundled policy.json loaded without PyYAML ...
    assert Path(probe["package"]).is_relative_to(synthesized.enforce.asset_dir)
    assert probe["mode"] == "enforce"
    assert probe["policies"] == ["npm-internal", "npm-widgets"]
    # ... and nothing outside the stdlib, the runtime and the layer was imported
    third_party = {m for m in probe["modules"] if m not in sys.stdlib_module_names and not m.startswith("_")}
    assert third_party - {"ca_lifecycle"} <= PROVIDED, sorted(third_party - PROVIDED)


@pytest.mark.parametrize("deployed", ["dry"], indirect=True)
def test_dry_run_functions_never_need_a_permission_their_roles_lack(
    deployed: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the dry-run policy's domains, acme holding an npm package of 25 old versions
    # (its policy archives beyond the newest 20)
    now = datetime.now(UTC)
    deployed.emulator.create_domain("beta")
    deployed.emulator.create_domain("acme")
    deployed.emulator.create_repository("acme", "release")
    for i in range(25):
        deployed.emulator.add_version(
            "acme", "release", "npm", None, "left-pad", f"1.{i}.0", published=now - timedelta(days=400 - i)
        )
    # When the sweep runs and the worker drains, then a publish event arrives
    deployed.sweep(monkeypatch)
    assert deployed.drain_worker(monkeypatch) == []
    deployed.emulator.add_version("acme", "release", "npm", None, "left-pad", "1.25.0", emit_event=True)
    assert deployed.drain_worker(monkeypatch) == []
    # Then the worker evaluated the package and wrote nothing to CodeArtifact ...
    calls = deployed.recorder.calls
    assert "codeartifact:ListPackageVersions" in calls["worker"]
    assert not {op for op in deployed.emulator.stats() if op.startswith(("Update", "Dispose", "Put"))}
    # ... and every call it made is one its write-less role allows (no AccessDenied in dry-run)
    assert calls["worker"] - _allowed(deployed.template, WORKER) == set()
    assert calls["sweep"] - _allowed(deployed.template, SWEEP) == set()
