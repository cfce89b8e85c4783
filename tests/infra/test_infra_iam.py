"""IAM of the synthesized stacks: one role per function, CodeArtifact scoped to the policy's domains."""

from __future__ import annotations

from typing import Any

import pytest
from template_helpers import (
    OWNER,
    actions_of,
    function_by_handler,
    render,
    resources,
    resources_of,
    role_statements,
)

pytestmark = pytest.mark.infra

WORKER = "ca_lifecycle.handlers.worker.handler"
SWEEP = "ca_lifecycle.handlers.sweep.handler"
MUTATING = {
    "codeartifact:UpdatePackageVersionsStatus",
    "codeartifact:DisposePackageVersions",
    "codeartifact:PutPackageOriginConfiguration",
}
# Actions the Service Authorization Reference lists with no resource type: only "*" works.
NO_RESOURCE_TYPE = {
    "codeartifact:ListDomains",
    "codeartifact:ListRepositories",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
}
ARN = "arn:${AWS::Partition}:codeartifact:${AWS::Region}"


def _role_of(template: dict[str, Any], handler: str) -> str:
    _, function = function_by_handler(template, handler)
    logical_id: str = function["Properties"]["Role"]["Fn::GetAtt"][0]
    return logical_id


def _codeartifact_grants(statements: list[dict[str, Any]]) -> dict[str, set[str]]:
    """action -> every resource it is allowed on, across statements."""
    grants: dict[str, set[str]] = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for action in actions_of(statement):
            if action.startswith("codeartifact:"):
                grants.setdefault(action, set()).update(resources_of(statement))
    return grants


def test_each_function_has_its_own_role_without_managed_policies(synthesized: Any) -> None:
    template = synthesized.dry.json
    worker_role, sweep_role = _role_of(template, WORKER), _role_of(template, SWEEP)
    assert worker_role != sweep_role
    for role in (worker_role, sweep_role):
        props = template["Resources"][role]["Properties"]
        assert "ManagedPolicyArns" not in props
        assert render(props["AssumeRolePolicyDocument"]["Statement"]) == [
            {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}
        ]


def test_dry_run_worker_reads_only_the_policy_domains(synthesized: Any) -> None:
    # Given acme (owner 111122223333) and beta (no owner -> the deploying account)
    grants = _codeartifact_grants(
        role_statements(synthesized.dry.json, _role_of(synthesized.dry.json, WORKER))
    )
    packages = {f"{ARN}:{OWNER}:package/acme/*/*", f"{ARN}:${{AWS::AccountId}}:package/beta/*/*"}
    assert grants == {
        "codeartifact:ListPackages": {
            f"{ARN}:{OWNER}:repository/acme/*",
            f"{ARN}:${{AWS::AccountId}}:repository/beta/*",
        },
        "codeartifact:DescribePackage": packages,
        "codeartifact:DescribePackageVersion": packages,
        "codeartifact:ListPackageVersions": packages,
    }


def test_enforce_worker_may_write_only_the_policy_repositories_and_package_patterns(
    synthesized: Any,
) -> None:
    # Given examples/enforce-npm.json: repository "release"; packages /npm/acme/*, /npm//* and
    # /npm/acme/widgets$ (the last already inside /npm/acme/*); exclude /npm/acme/legacy~
    template = synthesized.enforce.json
    grants = _codeartifact_grants(role_statements(template, _role_of(template, WORKER)))
    # Then every write is granted on exactly those package ARN patterns, in that repository
    for action in MUTATING:
        assert grants[action] == {
            f"{ARN}:${{AWS::AccountId}}:package/acme/release/npm/acme/*",
            f"{ARN}:${{AWS::AccountId}}:package/acme/release/npm//*",
        }
    # while reads still cover the domain (the sweep lists every repository's packages)
    assert grants["codeartifact:ListPackageVersions"] == {f"{ARN}:${{AWS::AccountId}}:package/acme/*/*"}


@pytest.mark.parametrize("stack", ["dry", "enforce"])
def test_sweep_lists_repositories_of_policy_domains_and_nothing_else(synthesized: Any, stack: str) -> None:
    template = getattr(synthesized, stack).json
    grants = _codeartifact_grants(role_statements(template, _role_of(template, SWEEP)))
    expected = (
        {f"{ARN}:{OWNER}:domain/acme", f"{ARN}:${{AWS::AccountId}}:domain/beta"}
        if stack == "dry"
        else {f"{ARN}:${{AWS::AccountId}}:domain/acme"}
    )
    assert grants == {"codeartifact:ListRepositoriesInDomain": expected}


def _every_statement(template: dict[str, Any]) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for body in resources(template, "AWS::IAM::Policy").values():
        statements.extend(render(body["Properties"]["PolicyDocument"]["Statement"]))
    for body in resources(template, "AWS::IAM::Role").values():
        for policy in body["Properties"].get("Policies", []):
            statements.extend(render(policy["PolicyDocument"]["Statement"]))
    return statements


@pytest.mark.parametrize("stack", ["dry", "enforce"])
def test_no_mutating_action_anywhere_in_dry_run(synthesized: Any, stack: str) -> None:
    actions = {action for s in _every_statement(getattr(synthesized, stack).json) for action in actions_of(s)}
    if stack == "dry":
        assert not actions & MUTATING
        assert not any(action in {"codeartifact:*", "*"} for action in actions)
    else:
        assert actions >= MUTATING


@pytest.mark.parametrize("stack", ["dry", "enforce"])
def test_resource_star_only_for_actions_without_a_resource_type(synthesized: Any, stack: str) -> None:
    for statement in _every_statement(getattr(synthesized, stack).json):
        if "*" in resources_of(statement):
            assert set(actions_of(statement)) <= NO_RESOURCE_TYPE, statement


@pytest.mark.parametrize("stack", ["dry", "enforce"])
def test_no_credentials_or_repository_read_actions_granted(synthesized: Any, stack: str) -> None:
    # The engine uses the control-plane API only: no tokens, no package downloads
    actions = {action for s in _every_statement(getattr(synthesized, stack).json) for action in actions_of(s)}
    assert not actions & {
        "codeartifact:GetAuthorizationToken",
        "codeartifact:ReadFromRepository",
        "sts:GetServiceBearerToken",
    }


def test_ledger_and_queue_access_via_grants_on_their_own_arns(synthesized: Any) -> None:
    template = synthesized.dry.json
    (table_id,) = resources(template, "AWS::DynamoDB::Table")
    worker = role_statements(template, _role_of(template, WORKER))
    sweep = role_statements(template, _role_of(template, SWEEP))
    dynamo_resources = {
        r for s in worker for a in actions_of(s) if a.startswith("dynamodb:") for r in resources_of(s)
    }
    assert dynamo_resources == {"${" + table_id + ".Arn}"}
    assert not any(
        a.startswith("dynamodb:") for s in sweep for a in actions_of(s)
    )  # the sweep never touches it
    (mapping,) = resources(template, "AWS::Lambda::EventSourceMapping").values()
    work_queue = "${" + mapping["Properties"]["EventSourceArn"]["Fn::GetAtt"][0] + ".Arn}"
    _, sweep_function = function_by_handler(template, SWEEP)
    sweep_dlq = render(sweep_function["Properties"]["DeadLetterConfig"]["TargetArn"])

    def sqs_resources(statements: list[dict[str, Any]]) -> set[str]:
        return {
            r for s in statements if any(a.startswith("sqs:") for a in actions_of(s)) for r in resources_of(s)
        }

    # The worker consumes and re-enqueues on the work queue; the sweep enqueues, and its
    # async-invoke failures land in its DLQ. No other queue is reachable.
    assert sqs_resources(worker) == {work_queue}
    assert sqs_resources(sweep) == {work_queue, sweep_dlq}
