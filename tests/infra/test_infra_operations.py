"""Deploying into a real organisation: every partition, emergency stop, ledger re-attach,
cross-account forwarding, silence alarms, and cdk-nag suppressions that each match a finding."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from template_helpers import (
    ENGINE_ACCOUNT,
    OWNER,
    STOPPED_LEDGER,
    STOPPED_REGION,
    actions_of,
    domain_rules,
    function_by_handler,
    render,
    resources,
    resources_of,
    role_statements,
)

from infra import app
from infra import constants as c

pytestmark = pytest.mark.infra

WORKER = "ca_lifecycle.handlers.worker.handler"
SWEEP = "ca_lifecycle.handlers.sweep.handler"
ENGINE_STACKS = ["dry", "enforce", "stopped"]
ALL_STACKS = [*ENGINE_STACKS, "forwarder"]


# --- every region and partition -------------------------------------------------------------


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_no_arn_hard_codes_the_aws_partition(synthesized: Any, stack: str) -> None:
    # Every ARN is built from the stack's partition: a literal "arn:aws:" breaks GovCloud/China
    text = json.dumps(getattr(synthesized, stack).json)
    assert "arn:aws:" not in text


def test_a_concrete_region_gets_its_partition_and_publishing_account_at_synth(synthesized: Any) -> None:
    # Given the stopped stack, synthesized for us-gov-west-1
    template = synthesized.stopped.json
    for handler in (WORKER, SWEEP):
        _, function = function_by_handler(template, handler)
        # Then the region and Powertools' GovCloud account are literal, the partition the
        # deploying one (aws-us-gov there)
        assert render(function["Properties"]["Layers"]) == [
            f"arn:${{AWS::Partition}}:lambda:{STOPPED_REGION}:165093116878:layer:"
            f"AWSLambdaPowertoolsPythonV3-python313-arm64:{c.POWERTOOLS_LAYER_VERSION}"
        ]
    # and no deploy-time lookup is left in the template
    assert "Mappings" not in template
    assert "PowertoolsLayerRegion" not in template.get("Rules", {})


def test_an_environment_agnostic_stack_refuses_a_region_without_the_layer_before_deploying(
    synthesized: Any,
) -> None:
    template = synthesized.dry.json
    (assertion,) = template["Rules"]["PowertoolsLayerRegion"]["Assertions"]
    # CloudFormation evaluates Rules before it touches any resource
    assert assertion["Assert"] == {
        "Fn::Contains": [sorted(c.POWERTOOLS_LAYER_ACCOUNTS), {"Ref": "AWS::Region"}]
    }
    assert "powertools_layer_arn" in assertion["AssertDescription"]
    assert "ca-west-1" not in c.POWERTOOLS_LAYER_ACCOUNTS  # the documented gap, used below


def test_a_region_without_the_layer_fails_synth_naming_the_override(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["-c", "region=ca-west-1", "-c", f"asset_dir={tmp_path / 'asset'}", "-o", str(tmp_path / "out")]
    assert app.main(argv) == app.EXIT_INVALID
    err = capsys.readouterr().err
    assert "is not published in ca-west-1" in err
    assert "powertools_layer_arn=" in err
    assert not (tmp_path / "out" / "manifest.json").exists()  # nothing synthesized


def test_an_explicit_layer_arn_is_used_in_any_region(tmp_path: Path) -> None:
    from aws_cdk import App, Environment, Stack
    from ca_lifecycle.policy import load_policy

    from infra.construct import CodeArtifactLifecycle, LifecycleSettings

    root = Path(__file__).resolve().parents[2]
    stack = Stack(App(), "Own", env=Environment(region="ca-west-1"))
    own = "arn:aws:lambda:ca-west-1:123456789012:layer:powertools-copy:3"
    lifecycle = CodeArtifactLifecycle(
        stack,
        "Lifecycle",
        policy=load_policy(root / "examples" / "enforce-npm.json"),
        settings=LifecycleSettings(powertools_layer_arn=own, asset_dir=tmp_path / "asset"),
    )
    layers = stack.resolve(lifecycle.worker.node.default_child.layers)  # type: ignore[union-attr]
    assert layers == [own]


# --- operations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "stopped"), [("dry", False), ("enforce", False), ("stopped", True)])
def test_emergency_stop_disables_the_worker_mapping_and_the_schedule(
    synthesized: Any, stack: str, stopped: bool
) -> None:
    template = getattr(synthesized, stack).json
    (mapping,) = resources(template, "AWS::Lambda::EventSourceMapping").values()
    (schedule,) = resources(template, "AWS::Scheduler::Schedule").values()
    # The poller itself stops (reserved concurrency 0 would leave it receiving into the DLQ)
    assert mapping["Properties"]["Enabled"] is (not stopped)
    assert schedule["Properties"]["State"] == ("DISABLED" if stopped else "ENABLED")
    # Intake keeps running: events wait in the queue for the resume deploy
    for rule in resources(template, "AWS::Events::Rule").values():
        assert rule["Properties"]["State"] == "ENABLED"
    for function in resources(template, "AWS::Lambda::Function").values():
        assert "ReservedConcurrentExecutions" not in function["Properties"]
    assert template["Outputs"]["EmergencyStop"]["Value"] == ("true" if stopped else "false")
    # the mapping's id, for the no-deploy stop (aws lambda update-event-source-mapping --no-enabled)
    (mapping_id,) = resources(template, "AWS::Lambda::EventSourceMapping")
    assert template["Outputs"]["WorkerEventSourceMappingId"]["Value"] == {"Ref": mapping_id}


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("TRUE", True), ("1", True), ("false", False), ("", False)]
)
def test_emergency_stop_context_flag(value: str, expected: bool) -> None:
    assert app.settings_from_context({"emergency_stop": value}, None).emergency_stop is expected
    assert app.settings_from_context({"emergency_stop": expected}, None).emergency_stop is expected


def test_emergency_stop_context_rejects_anything_else(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert app.main(["-c", "emergency_stop=maybe", "-o", str(tmp_path / "out")]) == app.EXIT_INVALID
    assert "emergency_stop: expected true or false, got 'maybe'" in capsys.readouterr().err


def test_a_retained_ledger_is_reattached_by_name_not_recreated(synthesized: Any) -> None:
    template = synthesized.stopped.json
    assert resources(template, "AWS::DynamoDB::Table") == {}
    _, worker = function_by_handler(template, WORKER)
    assert worker["Properties"]["Environment"]["Variables"]["LEDGER_TABLE"] == STOPPED_LEDGER
    role_id = worker["Properties"]["Role"]["Fn::GetAtt"][0]
    ledger = {
        r
        for s in role_statements(template, role_id)
        if actions_of(s)[0].startswith("dynamodb:")
        for r in resources_of(s)
    }
    assert ledger == {
        f"arn:${{AWS::Partition}}:dynamodb:{STOPPED_REGION}:${{AWS::AccountId}}:table/{STOPPED_LEDGER}"
    }
    assert template["Outputs"]["LedgerTableName"]["Value"] == STOPPED_LEDGER


def test_a_new_ledger_is_retained_and_deletion_protected(synthesized: Any) -> None:
    (table,) = resources(synthesized.dry.json, "AWS::DynamoDB::Table").values()
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    assert table["Properties"]["DeletionProtectionEnabled"] is True


def test_bad_ledger_table_name_fails_synth(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert app.main(["-c", "ledger_table_name=a b", "-o", str(tmp_path / "out")]) == app.EXIT_INVALID
    assert "ledger_table_name: not a DynamoDB table name" in capsys.readouterr().err


# --- cdk-nag ---------------------------------------------------------------------------------


def _js_regex(text: str) -> re.Pattern[str]:
    body = text[1 : text.rindex("/")]  # /.../flags
    return re.compile(body)


def _paths(stack: Any) -> dict[str, str]:
    from aws_cdk import CfnResource, Stack

    return {
        Stack.of(node).resolve(node.logical_id): node.node.path
        for node in stack.node.find_all()
        if isinstance(node, CfnResource)
    }


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_every_nag_suppression_matches_a_finding(synthesized: Any, stack: str) -> None:
    result = getattr(synthesized, stack)
    # cdk-nag's CSV report lists each suppressed finding: rule, resource path, "[finding] reason"
    report = synthesized.outdir / f"AwsSolutions-{result.stack.stack_name}-NagReport.csv"
    with report.open() as handle:
        suppressed = [row for row in csv.DictReader(handle) if row["Compliance"] == "Suppressed"]
    paths = _paths(result.stack)
    checked = 0
    for logical_id, body in result.json["Resources"].items():
        for rule in body.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
            rows = [
                row
                for row in suppressed
                if row["Rule ID"] == rule["id"] and row["Resource ID"] == paths[logical_id]
            ]
            assert rows, (logical_id, rule["id"], "suppresses nothing")
            for entry in rule.get("applies_to", []):
                findings = [row["Exception Reason"].split("]", 1)[0].lstrip("[") for row in rows]
                if isinstance(entry, str):
                    assert entry in findings, (logical_id, entry)
                else:
                    pattern = _js_regex(entry["regex"])
                    assert any(pattern.match(f) for f in findings), (logical_id, entry, findings)
                checked += 1
            checked += 1
    assert checked or stack == "forwarder"


# --- cross-account domains -------------------------------------------------------------------


def test_engine_bus_accepts_codeartifact_events_from_each_named_owner_only(synthesized: Any) -> None:
    # Given the dry policy: acme owned by OWNER, beta by the deploying account
    (policy,) = resources(synthesized.dry.json, "AWS::Events::EventBusPolicy").values()
    props = render(policy["Properties"])
    assert props["EventBusName"] == "default"
    assert props["Statement"] == {
        "Sid": f"CodeArtifactEventsFrom{OWNER}",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:${{AWS::Partition}}:iam::{OWNER}:root"},
        "Action": "events:PutEvents",
        "Resource": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default",
        # nothing but CodeArtifact's own events may be put by the owner account
        "Condition": {
            "StringEquals": {
                "events:source": ["aws.codeartifact"],
                "events:detail-type": ["CodeArtifact Package Version State Change"],
            }
        },
    }
    # a policy with no domain_owner needs no bus policy at all
    assert resources(synthesized.enforce.json, "AWS::Events::EventBusPolicy") == {}


def test_forwarder_sends_its_own_domains_events_to_the_engine_bus_with_a_role(synthesized: Any) -> None:
    template = synthesized.forwarder.json
    (rule,) = resources(template, "AWS::Events::Rule").values()
    props = render(rule["Properties"])
    assert props["EventPattern"] == {
        "source": ["aws.codeartifact"],
        "detail-type": ["CodeArtifact Package Version State Change"],
        "detail": {"domainName": ["acme", "beta"], "domainOwner": ["${AWS::AccountId}"]},
    }
    assert "EventBusName" not in props  # the owner's default bus, where CodeArtifact publishes
    (target,) = props["Targets"]
    engine_bus = f"arn:${{AWS::Partition}}:events:${{AWS::Region}}:{ENGINE_ACCOUNT}:event-bus/default"
    assert target["Arn"] == engine_bus
    role_id = rule["Properties"]["Targets"][0]["RoleArn"]["Fn::GetAtt"][0]
    assert role_statements(template, role_id) == [
        {"Action": "events:PutEvents", "Effect": "Allow", "Resource": engine_bus}
    ]
    trust = render(template["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"])
    assert trust == [
        {
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "${AWS::AccountId}"}},
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
        }
    ]
    # undeliverable events land in a DLQ of the owner account, which alarms
    dlq_id = rule["Properties"]["Targets"][0]["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    (alarm,) = resources(template, "AWS::CloudWatch::Alarm").values()
    assert render(alarm["Properties"]["Dimensions"]) == [
        {"Name": "QueueName", "Value": "${" + dlq_id + ".QueueName}"}
    ]


@pytest.mark.parametrize(
    ("engine_account", "domains", "message"),
    [
        ("12345", ["acme"], "engine_account: must be a 12-digit"),
        (ENGINE_ACCOUNT, [], "domains: name at least one"),
    ],
)
def test_forwarder_refuses_bad_input(engine_account: str, domains: list[str], message: str) -> None:
    from aws_cdk import App, Stack

    from infra.forwarder import DomainOwnerForwarder

    with pytest.raises(ValueError, match=message):
        DomainOwnerForwarder(Stack(App(), "S"), "F", engine_account=engine_account, domains=domains)


def test_a_domain_with_an_owner_alarms_when_its_events_fall_silent_for_a_sweep_interval(
    synthesized: Any,
) -> None:
    template = synthesized.dry.json
    rules = {
        rule["Properties"]["EventPattern"]["detail"]["domainName"][0]: rule_id
        for rule_id, rule in domain_rules(template).items()
    }
    silent = [
        render(alarm["Properties"])
        for logical_id, alarm in resources(template, "AWS::CloudWatch::Alarm").items()
        if logical_id.startswith("LifecycleEventsSilent")
    ]
    # Only acme states an owner (may be another account); beta's quiet just means no publishes
    (alarm,) = silent
    assert alarm["Namespace"] == "AWS/Events"
    assert alarm["MetricName"] == "Invocations"
    assert alarm["Dimensions"] == [{"Name": "RuleName", "Value": "${" + rules["acme"] + "}"}]
    assert (alarm["Statistic"], alarm["ComparisonOperator"], alarm["Threshold"]) == (
        "Sum",
        "LessThanThreshold",
        1,
    )
    # The daily sweep: one day without a single delivered event; no datapoint counts as silence
    assert alarm["Period"] * alarm["EvaluationPeriods"] == 86400
    assert alarm["TreatMissingData"] == "breaching"


def test_outputs_carry_the_role_arns_the_owner_policies_name(synthesized: Any) -> None:
    template = synthesized.dry.json
    outputs = template["Outputs"]
    for key, handler in (("WorkerRoleArn", WORKER), ("SweepRoleArn", SWEEP)):
        _, function = function_by_handler(template, handler)
        assert outputs[key]["Value"] == function["Properties"]["Role"]


def test_cross_account_statements_for_the_domain_and_repository_policies(tmp_path: Path) -> None:
    from ca_lifecycle.policy import load_policy

    from infra.cross_account import cross_account_statements

    path = tmp_path / "policy.yaml"
    path.write_text(
        "version: 1\nmode: enforce\npolicies:\n"
        f"  - id: a\n    scope: {{domain: acme, domain_owner: '{OWNER}', repositories: [release, ci-*]}}\n"
        "    archive: [{beyond_newest: 3}]\n"
        "  - id: b\n    scope: {domain: local}\n    archive: [{beyond_newest: 3}]\n"
    )
    worker, sweep = "arn:aws:iam::444455556666:role/w", "arn:aws:iam::444455556666:role/s"
    document = cross_account_statements(load_policy(path), worker_role_arn=worker, sweep_role_arn=sweep)
    assert list(document) == [OWNER]  # the unowned domain is the engine account's own
    acme = document[OWNER]["domains"]["acme"]
    assert acme["repositories"] == ["ci-*", "release"]
    (domain_statement,) = acme["domain_policy"]["Statement"]
    assert domain_statement["Principal"] == {"AWS": sweep}
    assert domain_statement["Action"] == ["codeartifact:ListRepositoriesInDomain"]
    (repository_statement,) = acme["repository_policy"]["Statement"]
    assert repository_statement["Principal"] == {"AWS": worker}
    assert set(repository_statement["Action"]) == {
        *c.CODEARTIFACT_REPOSITORY_READ,
        *c.CODEARTIFACT_PACKAGE_READ,
        *c.CODEARTIFACT_PACKAGE_WRITE,
    }
