"""Resource properties of the synthesized stacks: what a deployment relies on, asserted by value."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match
from template_helpers import ENFORCE_SETTINGS, OWNER, function_by_handler, render, resources

from infra import constants as c

pytestmark = pytest.mark.infra

WORKER = "ca_lifecycle.handlers.worker.handler"
SWEEP = "ca_lifecycle.handlers.sweep.handler"


def _queue_by_ref(template: dict[str, Any], ref: Any) -> dict[str, Any]:
    logical_id = ref["Fn::GetAtt"][0]
    body: dict[str, Any] = template["Resources"][logical_id]
    assert body["Type"] == "AWS::SQS::Queue"
    props: dict[str, Any] = body["Properties"]
    return props


def _work_queue(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    (mapping,) = resources(template, "AWS::Lambda::EventSourceMapping").values()
    logical_id = mapping["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]
    return logical_id, template["Resources"][logical_id]["Properties"]


def test_rule_matches_codeartifact_version_changes_of_policy_domains_only(synthesized: Any) -> None:
    # Given a dry-run policy over acme (owner pinned) and beta (no owner)
    (rule,) = resources(synthesized.dry.json, "AWS::Events::Rule").values()
    pattern = render(rule["Properties"]["EventPattern"])
    # Then the rule takes only CodeArtifact's version-change events of those domains, each
    # pinned to its owner: beta to the deploying account, as the sweep and IAM read it
    assert pattern == {
        "source": ["aws.codeartifact"],
        "detail-type": ["CodeArtifact Package Version State Change"],
        "detail": {
            "$or": [
                {"domainName": ["beta"], "domainOwner": ["${AWS::AccountId}"]},
                {"domainName": ["acme"], "domainOwner": [OWNER]},
            ]
        },
    }
    assert "EventBusName" not in rule["Properties"]  # the default bus, where CodeArtifact publishes


def test_rule_with_one_owner_needs_no_or(synthesized: Any) -> None:
    (rule,) = resources(synthesized.enforce.json, "AWS::Events::Rule").values()
    assert render(rule["Properties"]["EventPattern"]["detail"]) == {
        "domainName": ["acme"],
        "domainOwner": ["${AWS::AccountId}"],
    }


def test_rule_targets_work_queue_with_retry_policy_and_its_own_dlq(synthesized: Any) -> None:
    template = synthesized.dry.json
    (rule,) = resources(template, "AWS::Events::Rule").values()
    (target,) = rule["Properties"]["Targets"]
    work_queue_id, _ = _work_queue(template)
    assert target["Arn"] == {"Fn::GetAtt": [work_queue_id, "Arn"]}
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}
    dlq_id = target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    assert dlq_id != work_queue_id
    assert template["Resources"][dlq_id]["Properties"]["MessageRetentionPeriod"] == 14 * 86400


def test_work_queue_is_encrypted_redrives_after_five_receives_and_outlasts_the_worker(
    synthesized: Any,
) -> None:
    template = synthesized.dry.json
    _, queue = _work_queue(template)
    _, worker = function_by_handler(template, WORKER)
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 5
    assert queue["VisibilityTimeout"] >= 6 * worker["Properties"]["Timeout"]
    dlq = _queue_by_ref(template, queue["RedrivePolicy"]["deadLetterTargetArn"])
    assert dlq["MessageRetentionPeriod"] == 14 * 86400
    assert dlq["SqsManagedSseEnabled"] is True


def test_every_queue_denies_non_tls_access(synthesized: Any) -> None:
    template = synthesized.dry.json
    queues = set(resources(template, "AWS::SQS::Queue"))
    guarded: set[str] = set()
    for policy in resources(template, "AWS::SQS::QueuePolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Deny" and statement.get("Condition") == {
                "Bool": {"aws:SecureTransport": "false"}
            }:
                guarded.update(ref["Ref"] for ref in policy["Properties"]["Queues"])
    assert queues == guarded
    assert len(queues) == 4  # work queue + its DLQ + rule DLQ + sweep DLQ


@pytest.mark.parametrize(
    ("stack", "concurrency"),
    [("dry", c.DEFAULT_WORKER_CONCURRENCY), ("enforce", ENFORCE_SETTINGS["worker_max_concurrency"])],
)
def test_worker_event_source_settings(synthesized: Any, stack: str, concurrency: int) -> None:
    template = getattr(synthesized, stack).template
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "BatchSize": 10,
            "MaximumBatchingWindowInSeconds": 5,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "ScalingConfig": {"MaximumConcurrency": concurrency},
        },
    )


@pytest.mark.parametrize(("handler", "timeout"), [(WORKER, 300), (SWEEP, 300)])
def test_functions_runtime_layer_and_environment(synthesized: Any, handler: str, timeout: int) -> None:
    template = synthesized.dry.json
    _, function = function_by_handler(template, handler)
    props = render(function["Properties"])
    assert props["Runtime"] == "python3.13"
    assert props["Architectures"] == ["arm64"]
    assert props["Timeout"] == timeout
    assert props["TracingConfig"] == {"Mode": "Active"}
    (layer,) = props["Layers"]
    assert layer == (
        "arn:aws:lambda:${AWS::Region}:017000801446:layer:"
        f"AWSLambdaPowertoolsPythonV3-python313-arm64:{c.POWERTOOLS_LAYER_VERSION}"
    )
    env = props["Environment"]["Variables"]
    assert env["POLICY_FILE"] == "policy.json"
    assert env["POWERTOOLS_SERVICE_NAME"] == "codeartifact-lifecycle"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "CodeArtifactLifecycle"
    assert env["LOG_LEVEL"] == "INFO"
    (table_id,) = resources(template, "AWS::DynamoDB::Table")
    assert env["LEDGER_TABLE"] == "${" + table_id + "}"
    work_queue_id, _ = _work_queue(template)
    assert env["WORK_QUEUE_URL"] == "${" + work_queue_id + "}"
    # Logs go to an explicit group with a retention, not an unbounded auto-created one
    log_group_id = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    assert template["Resources"][log_group_id]["Properties"]["RetentionInDays"] == 30


def test_sweep_schedule_defaults_to_daily_with_retry_and_dlq(synthesized: Any) -> None:
    template = synthesized.dry.json
    (schedule,) = resources(template, "AWS::Scheduler::Schedule").values()
    props = schedule["Properties"]
    sweep_id, _ = function_by_handler(template, SWEEP)
    assert props["ScheduleExpression"] == "cron(0 3 * * ? *)"
    assert props["Target"]["Arn"] == {"Fn::GetAtt": [sweep_id, "Arn"]}
    assert json.loads(props["Target"]["Input"]) == {"kind": "sweep"}
    assert props["Target"]["RetryPolicy"] == {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 6 * 3600}
    dlq_id = props["Target"]["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    # The same DLQ catches sweep runs that fail after Lambda's async retries
    (invoke_config,) = resources(template, "AWS::Lambda::EventInvokeConfig").values()
    assert invoke_config["Properties"]["MaximumRetryAttempts"] == 2
    _, sweep = function_by_handler(template, SWEEP)
    assert sweep["Properties"]["DeadLetterConfig"]["TargetArn"] == {"Fn::GetAtt": [dlq_id, "Arn"]}
    # Scheduler assumes a role of ours, only from this account
    role_id = props["Target"]["RoleArn"]["Fn::GetAtt"][0]
    trust = render(template["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"])
    assert trust == [
        {
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "${AWS::AccountId}"}},
            "Effect": "Allow",
            "Principal": {"Service": "scheduler.amazonaws.com"},
        }
    ]


def test_sweep_schedule_is_configurable(synthesized: Any) -> None:
    synthesized.enforce.template.has_resource_properties(
        "AWS::Scheduler::Schedule", {"ScheduleExpression": "rate(12 hours)"}
    )


def test_ledger_table_keys_billing_recovery_ttl_and_retention(synthesized: Any) -> None:
    template = synthesized.dry.template
    template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": {
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                "AttributeDefinitions": Match.array_with(
                    [
                        {"AttributeName": "pk", "AttributeType": "S"},
                        {"AttributeName": "sk", "AttributeType": "S"},
                    ]
                ),
                "BillingMode": "PAY_PER_REQUEST",
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
                "DeletionProtectionEnabled": True,
            },
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def _alarm_metrics(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: render(body["Properties"])
        for name, body in resources(template, "AWS::CloudWatch::Alarm").items()
    }


def test_alarms_watch_every_dlq_and_worker_errors_and_throttles(synthesized: Any) -> None:
    template = synthesized.dry.json
    alarms = _alarm_metrics(template)
    watched_queues = {
        alarm["Dimensions"][0]["Value"]
        for alarm in alarms.values()
        if alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    }
    work_queue_id, _ = _work_queue(template)
    dlq_names = {
        "${" + name + ".QueueName}"
        for name in resources(template, "AWS::SQS::Queue")
        if name != work_queue_id
    }
    assert watched_queues == dlq_names
    worker_id, _ = function_by_handler(template, WORKER)
    worker_alarms = {
        alarm["MetricName"]
        for alarm in alarms.values()
        if alarm.get("Namespace") == "AWS/Lambda"
        and alarm["Dimensions"][0]["Value"] == "${" + worker_id + "}"
    }
    assert worker_alarms == {"Errors", "Throttles"}
    # No topic without an e-mail: alarms exist but notify nobody
    assert all("AlarmActions" not in alarm for alarm in alarms.values())


def test_alarm_email_subscribes_a_topic_every_alarm_notifies(synthesized: Any) -> None:
    template = synthesized.enforce.json
    (topic_id,) = resources(template, "AWS::SNS::Topic")
    (subscription,) = resources(template, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == ENFORCE_SETTINGS["alarm_email"]
    alarms = _alarm_metrics(template)
    assert alarms
    assert all(alarm["AlarmActions"] == ["${" + topic_id + "}"] for alarm in alarms.values())


def test_dashboard_shows_every_engine_metric(synthesized: Any) -> None:
    from ca_lifecycle.observability import METRIC_NAMES

    (dashboard,) = resources(synthesized.dry.json, "AWS::CloudWatch::Dashboard").values()
    body = json.loads(render(dashboard["Properties"]["DashboardBody"]))
    engine = {
        metric[1]
        for widget in body["widgets"]
        for metric in widget["properties"].get("metrics", [])
        if metric[0] == "CodeArtifactLifecycle"
    }
    # Every name the engine emits is graphed, and the infra list cannot drift from the code's
    assert engine == set(METRIC_NAMES) == set(c.ENGINE_METRICS)


@pytest.mark.parametrize("handler", [WORKER, SWEEP])
def test_function_waits_for_its_permissions_before_first_run(synthesized: Any, handler: str) -> None:
    template = synthesized.dry.json
    _, function = function_by_handler(template, handler)
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    (policy_id,) = [
        name
        for name, body in resources(template, "AWS::IAM::Policy").items()
        if body["Properties"]["Roles"] == [{"Ref": role_id}]
    ]
    # Only the policy: the role is already implied by the GetAtt (no redundant DependsOn)
    assert function["DependsOn"] == [policy_id]
