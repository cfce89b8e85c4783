"""Usage ingestion in the template: the CloudTrail rule's state and pattern, the queue, the
function's permissions and alarms; nothing of it when the policy has no usage rule."""

from __future__ import annotations

from typing import Any

import pytest
from template_helpers import actions_of, function_by_handler, render, resources, resources_of, role_statements

from infra import constants as c

pytestmark = pytest.mark.infra

USAGE_HANDLER = "ca_lifecycle.handlers.usage.handler"


def _usage_rule(template: dict[str, Any]) -> dict[str, Any]:
    (rule,) = [
        body
        for body in resources(template, "AWS::Events::Rule").values()
        if body["Properties"]["EventPattern"].get("detail-type") == ["AWS API Call via CloudTrail"]
    ]
    return rule


def test_the_rule_receives_read_only_cloudtrail_events_of_the_policy_domains(synthesized: Any) -> None:
    rule = _usage_rule(synthesized.usage.json)["Properties"]
    assert rule["State"] == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    assert rule["EventPattern"] == {
        "source": ["aws.codeartifact"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {
            "eventSource": ["codeartifact.amazonaws.com"],
            "eventName": ["GetPackageVersionAsset", "ReadFromRepository"],
            "$or": [
                {"requestParameters": {"domainName": ["acme"]}},
                {"requestParameters": {"domain": ["acme"]}},
            ],
        },
    }
    # It targets the usage queue (not the work queue), with the rule DLQ
    (target,) = rule["Targets"]
    queues = resources(synthesized.usage.json, "AWS::SQS::Queue")
    usage_queue = next(name for name in queues if name.startswith("LifecycleUsageQueue"))
    assert target["Arn"] == {"Fn::GetAtt": [usage_queue, "Arn"]}
    assert "DeadLetterConfig" in target


def test_the_usage_queue_feeds_large_batches_with_partial_failures(synthesized: Any) -> None:
    template = synthesized.usage.json
    name, _ = function_by_handler(template, USAGE_HANDLER)
    (mapping,) = [
        body["Properties"]
        for body in resources(template, "AWS::Lambda::EventSourceMapping").values()
        if body["Properties"]["FunctionName"] == {"Ref": name}
    ]
    assert mapping["BatchSize"] == 1000
    assert mapping["MaximumBatchingWindowInSeconds"] == 30
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue = next(
        body["Properties"]
        for key, body in resources(template, "AWS::SQS::Queue").items()
        if key.startswith("LifecycleUsageQueue")
    )
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 5
    assert queue["SqsManagedSseEnabled"] is True


def test_the_usage_function_may_only_update_the_ledger_and_consume_its_queue(synthesized: Any) -> None:
    template = synthesized.usage.json
    _, function = function_by_handler(template, USAGE_HANDLER)
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    granted = {action for statement in role_statements(template, role) for action in actions_of(statement)}
    assert {a for a in granted if a.startswith("dynamodb:")} == {"dynamodb:UpdateItem"}
    assert not {a for a in granted if a.startswith("codeartifact:")}
    assert {a for a in granted if a.startswith("sqs:")} == {
        "sqs:ReceiveMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueUrl",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
    }
    (ledger_statement,) = [
        s for s in role_statements(template, role) if "dynamodb:UpdateItem" in actions_of(s)
    ]
    ledger = next(iter(resources(template, "AWS::DynamoDB::Table")))
    assert resources_of(ledger_statement) == [render({"Fn::GetAtt": [ledger, "Arn"]})]
    # The engine's own roles are named so their reads do not count
    env = function["Properties"]["Environment"]["Variables"]
    assert env["OWN_ROLE_NAMES"]["Fn::Join"][1][0]["Ref"].startswith("LifecycleWorkerRole")


def test_alarms_watch_the_usage_dlq_and_ingestion_silence(synthesized: Any) -> None:
    alarms = resources(synthesized.usage.json, "AWS::CloudWatch::Alarm")
    silent = next(body["Properties"] for name, body in alarms.items() if "UsageIngestionSilent" in name)
    assert silent["MetricName"] == "UsageReadsReceived"
    assert silent["ComparisonOperator"] == "LessThanThreshold"
    assert silent["TreatMissingData"] == "breaching"
    assert silent["Period"] * silent["EvaluationPeriods"] == 86400  # usage.max_silence: 1d
    assert silent["AlarmActions"]
    assert any("UsageDeadLetterQueueNotEmpty" in name for name in alarms)


def test_nothing_is_added_when_the_policy_has_no_usage_rule(synthesized: Any) -> None:
    for template in (synthesized.dry.json, synthesized.enforce.json):
        rules = resources(template, "AWS::Events::Rule").values()
        assert all(body["Properties"].get("State") != c.USAGE_RULE_STATE for body in rules)
        handlers = {
            b["Properties"].get("Handler") for b in resources(template, "AWS::Lambda::Function").values()
        }
        assert USAGE_HANDLER not in handlers
