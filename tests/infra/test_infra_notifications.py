"""Alarms that reach someone: topic policy, actions, synth warning, DLQ missing data, new alarms."""

from __future__ import annotations

from typing import Any

import pytest
from template_helpers import ENFORCE_SETTINGS, domain_rules, render, resources


def _alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: render(body["Properties"])
        for name, body in resources(template, "AWS::CloudWatch::Alarm").items()
    }


def _one(alarms: dict[str, dict[str, Any]], prefix: str) -> dict[str, Any]:
    (alarm,) = [body for name, body in alarms.items() if name.startswith(f"Lifecycle{prefix}")]
    return alarm


def test_topic_policy_lets_cloudwatch_publish_from_this_accounts_alarms_only(synthesized: Any) -> None:
    # Given alarm_email (the enforce stack), when synthesized
    template = synthesized.enforce.json
    (topic_id,) = resources(template, "AWS::SNS::Topic")
    (policy,) = resources(template, "AWS::SNS::TopicPolicy").values()
    assert policy["Properties"]["Topics"] == [{"Ref": topic_id}]
    statements = [render(s) for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    # Then besides enforce_ssl's Deny there is an Allow for CloudWatch's service principal
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert allows == [
        {
            "Sid": "CloudWatchAlarmsPublish",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": "${" + topic_id + "}",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": "${AWS::AccountId}"},
                "ArnLike": {
                    "aws:SourceArn": "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:"
                    "${AWS::AccountId}:alarm:*"
                },
            },
        }
    ]
    denies = [s for s in statements if s["Effect"] == "Deny"]
    assert [d["Condition"] for d in denies] == [{"Bool": {"aws:SecureTransport": "false"}}]


def test_every_alarm_including_the_new_ones_notifies_the_topic(synthesized: Any) -> None:
    template = synthesized.enforce.json
    (topic_id,) = resources(template, "AWS::SNS::Topic")
    alarms = _alarms(template)
    for prefix in ("ArchiveDisposeSpike", "PipelineQuiet", "WorkDeadLetterQueueNearingRetention"):
        _one(alarms, prefix)
    assert {name: alarm.get("AlarmActions") for name, alarm in alarms.items()} == {
        name: ["${" + topic_id + "}"] for name in alarms
    }
    assert ENFORCE_SETTINGS["alarm_email"]


def test_synth_warns_when_no_alarm_action_is_configured(synthesized: Any) -> None:
    from aws_cdk.assertions import Annotations, Match

    # The dry stack has no alarm_email: one warning naming the remedy
    Annotations.from_stack(synthesized.dry.stack).has_warning(
        "*", Match.string_like_regexp("No alarm action is configured.*alarm_email")
    )
    # The enforce stack has one: no such warning
    Annotations.from_stack(synthesized.enforce.stack).has_no_warning(
        "*", Match.string_like_regexp("No alarm action is configured")
    )


def test_standalone_synth_prints_the_warning(synthesized: Any) -> None:
    from infra.app import synth_warnings

    assembly = synthesized.dry.stack.node.root.synth()
    warnings = synth_warnings(assembly)
    assert any("No alarm action is configured" in line for line in warnings)
    assert not any("Enforce" in line and "No alarm action" in line for line in warnings)


@pytest.mark.parametrize("queue", ["Work", "Rule", "Sweep"])
def test_dlq_depth_alarm_keeps_its_state_when_sqs_stops_publishing(synthesized: Any, queue: str) -> None:
    alarm = _one(_alarms(synthesized.dry.json), f"{queue}DeadLetterQueueNotEmpty")
    # notBreaching would return to OK when an untouched DLQ stops reporting, messages still in it
    assert alarm["TreatMissingData"] == "ignore"
    aging = _one(_alarms(synthesized.dry.json), f"{queue}DeadLetterQueueNearingRetention")
    assert aging["MetricName"] == "ApproximateAgeOfOldestMessage"
    assert aging["Threshold"] == 10 * 86400  # four days before the DLQ's 14-day retention
    assert aging["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert aging["TreatMissingData"] == "ignore"


def _math(alarm: dict[str, Any]) -> tuple[str, dict[str, dict[str, Any]]]:
    (expression,) = [m for m in alarm["Metrics"] if "Expression" in m]
    inputs = {m["Id"]: m["MetricStat"] for m in alarm["Metrics"] if "MetricStat" in m}
    assert all(m.get("ReturnData") is False for m in alarm["Metrics"] if "MetricStat" in m)
    return expression["Expression"], inputs


def test_spike_alarm_sums_archives_and_disposals_per_hour_with_the_default_threshold(
    synthesized: Any,
) -> None:
    alarm = _one(_alarms(synthesized.dry.json), "ArchiveDisposeSpike")
    expression, inputs = _math(alarm)
    assert expression == "FILL(archived, 0) + FILL(disposed, 0)"
    assert {key: (m["Metric"]["MetricName"], m["Period"], m["Stat"]) for key, m in inputs.items()} == {
        "archived": ("VersionsArchived", 3600, "Sum"),
        "disposed": ("VersionsDisposed", 3600, "Sum"),
    }
    assert all(m["Metric"]["Namespace"] == "CodeArtifactLifecycle" for m in inputs.values())
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1000, "GreaterThanThreshold")


def test_spike_threshold_comes_from_cdk_context() -> None:
    from infra.app import ConfigurationError, settings_from_context

    assert settings_from_context({"spike_per_hour": "250"}, None).spike_per_hour == 250
    with pytest.raises(ConfigurationError, match="spike_per_hour: expected an integer"):
        settings_from_context({"spike_per_hour": "many"}, None)
    with pytest.raises(ConfigurationError, match="spike_per_hour: must be a positive integer"):
        settings_from_context({"spike_per_hour": 0}, None)


def test_quiet_pipeline_alarm_fires_only_when_events_arrived_and_nothing_was_evaluated(
    synthesized: Any,
) -> None:
    template = synthesized.dry.json
    alarm = _one(_alarms(template), "PipelineQuiet")
    expression, inputs = _math(alarm)
    rules = {"${" + name + "}" for name in domain_rules(template)}
    event_inputs = {key: m for key, m in inputs.items() if key.startswith("events")}
    # one input per domain rule, every one of them summed into the condition
    assert {m["Metric"]["Dimensions"][0]["Value"] for m in event_inputs.values()} == rules
    arrived = " + ".join(f"FILL({key}, 0)" for key in sorted(event_inputs))
    assert expression == f"IF(({arrived}) > 0 AND FILL(evaluated, 0) < 1, 1, 0)"
    assert inputs["evaluated"]["Metric"]["MetricName"] == "PackagesEvaluated"
    assert {m["Period"] for m in inputs.values()} == {86400}
    assert (alarm["Threshold"], alarm["EvaluationPeriods"]) == (1, 1)
    assert alarm["TreatMissingData"] == "notBreaching"


# --- digests (deployed when the policy has a dispose notice or digest_email is set) -------------

DIGEST = "ca_lifecycle.handlers.digest.handler"


def test_digests_are_deployed_only_when_a_notice_or_a_subscriber_needs_them(synthesized: Any) -> None:
    from template_helpers import function_by_handler

    for plain in (synthesized.dry.json, synthesized.enforce.json):
        assert not [
            b
            for b in resources(plain, "AWS::Lambda::Function").values()
            if b["Properties"].get("Handler") == DIGEST
        ]
    function_by_handler(synthesized.notice.json, DIGEST)


def test_digest_function_topic_schedule_and_least_privilege(synthesized: Any) -> None:
    from template_helpers import actions_of, function_by_handler, role_statements

    template = synthesized.notice.json
    name, function = function_by_handler(template, DIGEST)
    env = render(function["Properties"]["Environment"]["Variables"])
    topics = resources(template, "AWS::SNS::Topic")
    (digest_topic,) = [t for t, body in topics.items() if "digest" in body["Properties"]["DisplayName"]]
    assert env["DIGEST_TOPIC_ARN"] == "${" + digest_topic + "}"
    assert (env["DIGEST_WITHIN"], env["PRICE_PER_GB_MONTH"]) == ("7d", "0.05")
    # An e-mail subscription for people
    subscriptions = [
        s["Properties"]
        for s in resources(template, "AWS::SNS::Subscription").values()
        if s["Properties"]["TopicArn"] == {"Ref": digest_topic}
    ]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("email", "owners@example.com")]
    # Daily schedule targeting the digest function
    (schedule,) = [
        body["Properties"]
        for body in resources(template, "AWS::Scheduler::Schedule").values()
        if body["Properties"]["Target"]["Arn"] == {"Fn::GetAtt": [name, "Arn"]}
    ]
    assert schedule["ScheduleExpression"] == "cron(0 8 * * ? *)"
    assert schedule["State"] == "ENABLED"
    # Reads CodeArtifact, publishes to its topic only, no CodeArtifact write
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = role_statements(template, role)
    granted = {a for s in statements for a in actions_of(s)}
    assert "sns:Publish" in granted
    assert not {
        a
        for a in granted
        if a.startswith("codeartifact:") and not a.startswith(("codeartifact:List", "codeartifact:Describe"))
    }
    (publish,) = [s for s in statements if "sns:Publish" in actions_of(s)]
    assert publish["Resource"] == "${" + digest_topic + "}"
    assert "dynamodb:Scan" not in granted


def test_digest_failures_alarm(synthesized: Any) -> None:
    alarms = _alarms(synthesized.notice.json)
    assert _one(alarms, "DigestErrors")["MetricName"] == "Errors"
    assert _one(alarms, "DigestDeadLetterQueueNotEmpty")["TreatMissingData"] == "ignore"
    assert _one(alarms, "ArchiveDisposeSpike")["Threshold"] == 50  # LifecycleSettings(spike_per_hour=50)
