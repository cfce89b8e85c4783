"""Resource properties of the synthesized stacks: what a deployment relies on, asserted by value."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match
from template_helpers import (
    ENFORCE_SETTINGS,
    OWNER,
    actions_of,
    domain_rules,
    function_by_handler,
    ignored_events_rule,
    render,
    resources,
    resources_of,
    role_statements,
)

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


KNOWN_DETAIL = {
    "packageFormat": ["cargo", "generic", "maven", "npm", "nuget", "pypi", "ruby", "swift"],
    "$or": [
        {
            "operationType": ["Created", "Updated"],
            "packageVersionState": ["Archived", "Disposed", "Published", "Unfinished", "Unlisted"],
        },
        {"operationType": ["Deleted"]},
    ],
}


def _rules(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """domainName -> rule properties, one rule per policy domain."""
    found: dict[str, dict[str, Any]] = {}
    for rule in domain_rules(template).values():
        (domain,) = rule["Properties"]["EventPattern"]["detail"]["domainName"]
        found[domain] = rule["Properties"]
    return found


def test_one_rule_per_domain_matches_its_version_changes_pinned_to_its_owner(synthesized: Any) -> None:
    # Given a dry-run policy over acme (owner pinned) and beta (no owner)
    rules = _rules(synthesized.dry.json)
    # Then each domain has its rule, taking only CodeArtifact's version-change events of that
    # domain pinned to its owner (beta: the deploying account, as the sweep and IAM read it),
    # and only formats and states the engine knows
    assert {domain: render(props["EventPattern"]) for domain, props in rules.items()} == {
        domain: {
            "source": ["aws.codeartifact"],
            "detail-type": ["CodeArtifact Package Version State Change"],
            "detail": {"domainName": [domain], "domainOwner": [owner], **KNOWN_DETAIL},
        }
        for domain, owner in (("acme", OWNER), ("beta", "${AWS::AccountId}"))
    }
    for props in rules.values():
        assert "EventBusName" not in props  # the default bus, where CodeArtifact publishes


def test_rule_formats_and_states_are_the_ones_the_engine_knows() -> None:
    from ca_lifecycle.events import DOCUMENTED_STATES, OperationType, PackageFormat
    from ca_lifecycle.policy.patterns import KNOWN_FORMATS

    # The rule drops the rest, so a drift here would drop events the engine could handle
    assert set(c.EVENT_PACKAGE_FORMATS) == set(KNOWN_FORMATS) == set(PackageFormat.__args__)
    assert set(c.EVENT_VERSION_STATES) == {str(state) for state in DOCUMENTED_STATES}
    assert {*c.EVENT_CHANGE_OPERATIONS, c.EVENT_DELETE_OPERATION} == set(OperationType.__args__)


def test_rule_targets_work_queue_with_retry_policy_and_its_own_dlq(synthesized: Any) -> None:
    template = synthesized.dry.json
    work_queue_id, _ = _work_queue(template)
    dlqs = set()
    for props in _rules(template).values():
        (target,) = props["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": [work_queue_id, "Arn"]}
        assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}
        dlqs.add(target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0])
    (dlq_id,) = dlqs  # one rule DLQ for all domains
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
    assert len(queues) == 5  # work queue + its DLQ + rule DLQ + sweep DLQ + ignored events


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
    # Partition and region from the stack, the publishing account from the region's mapping
    assert layer == (
        "arn:${AWS::Partition}:lambda:${AWS::Region}:"
        "${Map:PowertoolsLayerAccounts/${AWS::Region}/account}:layer:"
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
    # Scheduler assumes a role of ours, only from this account and for this schedule's group
    (group_id,) = resources(template, "AWS::Scheduler::ScheduleGroup")
    group_name = template["Resources"][group_id]["Properties"]["Name"]
    assert props["GroupName"] == group_name
    role_id = props["Target"]["RoleArn"]["Fn::GetAtt"][0]
    trust = render(template["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"])
    assert trust == [
        {
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": "${AWS::AccountId}"},
                "ArnLike": {
                    "aws:SourceArn": [
                        "${" + group_id + ".Arn}",
                        f"arn:${{AWS::Partition}}:scheduler:${{AWS::Region}}:${{AWS::AccountId}}:schedule/{group_name}/*",
                    ]
                },
            },
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
        if alarm.get("MetricName") == "ApproximateNumberOfMessagesVisible"
    }
    work_queue_id, _ = _work_queue(template)
    _, ignored = ignored_events_rule(template)
    ignored_queue_id = ignored["Properties"]["Targets"][0]["Arn"]["Fn::GetAtt"][0]
    dlq_names = {
        "${" + name + ".QueueName}"
        for name in resources(template, "AWS::SQS::Queue")
        if name not in (work_queue_id, ignored_queue_id)  # ignored events page nobody
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
    assert engine == set(METRIC_NAMES)
    assert set(c.METRICS_APPLIED + c.METRICS_PLANNED) < set(METRIC_NAMES)


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


def test_worker_may_feed_its_own_queue_without_loop_detection_cutting_the_sweep(synthesized: Any) -> None:
    # Given the worker consumes the work queue AND sends to it (a repository page enqueues the
    # next page and its packages): an intended loop as long as the repository's page count
    template = synthesized.dry.json
    _, worker = function_by_handler(template, WORKER)
    work_queue_id, _ = _work_queue(template)
    role_id = worker["Properties"]["Role"]["Fn::GetAtt"][0]
    sends_to = {
        resource
        for statement in role_statements(template, role_id)
        if "sqs:SendMessage" in actions_of(statement)
        for resource in resources_of(statement)
    }
    assert sends_to == {"${" + work_queue_id + ".Arn}"}
    # Then Lambda's recursion detection (which stops a chain after ~16 hops and drops the
    # message) is off for the worker only; the sweep keeps the default
    assert worker["Properties"]["RecursiveLoop"] == "Allow"
    _, sweep = function_by_handler(template, SWEEP)
    assert sweep["Properties"].get("RecursiveLoop", "Terminate") == "Terminate"


# Alarms asserted in tests/infra/test_infra_notifications.py (metric math, DLQ age).
NOTIFICATION_ALARMS = (
    "ArchiveDisposeSpike",
    "PipelineQuiet",
    "WorkDeadLetterQueueNearingRetention",
    "RuleDeadLetterQueueNearingRetention",
    "SweepDeadLetterQueueNearingRetention",
)
# Known answers per alarm: (namespace, metric, statistic, period, comparison, threshold). Every
# alarm fires on the first bad 5-minute period and treats missing data as fine (no traffic is
# the normal state of an idle worker), except a DLQ's depth (ignore: see the test).
ALARMS = {
    "WorkDeadLetterQueueNotEmpty": (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "Maximum",
        300,
        "GreaterThanThreshold",
        0,
    ),
    "RuleDeadLetterQueueNotEmpty": (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "Maximum",
        300,
        "GreaterThanThreshold",
        0,
    ),
    "SweepDeadLetterQueueNotEmpty": (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "Maximum",
        300,
        "GreaterThanThreshold",
        0,
    ),
    # Half the work queue's 4-day retention: SQS deletes older items without a DLQ
    "WorkQueueBacklogAging": (
        "AWS/SQS",
        "ApproximateAgeOfOldestMessage",
        "Maximum",
        300,
        "GreaterThanOrEqualToThreshold",
        2 * 86400,
    ),
    "WorkerErrors": ("AWS/Lambda", "Errors", "Sum", 300, "GreaterThanOrEqualToThreshold", 1),
    "WorkerThrottles": ("AWS/Lambda", "Throttles", "Sum", 300, "GreaterThanOrEqualToThreshold", 1),
    "SweepErrors": ("AWS/Lambda", "Errors", "Sum", 300, "GreaterThanOrEqualToThreshold", 1),
    "EvaluationErrors": (
        "CodeArtifactLifecycle",
        "EvaluationErrors",
        "Sum",
        300,
        "GreaterThanOrEqualToThreshold",
        1,
    ),
}


def test_alarm_metrics_thresholds_periods_and_missing_data(synthesized: Any) -> None:
    found = {}
    for logical_id, alarm in _alarm_metrics(synthesized.dry.json).items():
        if logical_id.startswith("LifecycleEventsSilent"):
            continue  # test_a_domain_with_an_owner_alarms_when_its_events_fall_silent
        if any(logical_id.startswith(f"Lifecycle{key}") for key in NOTIFICATION_ALARMS):
            continue  # tests/infra/test_infra_notifications.py
        (name,) = [key for key in ALARMS if logical_id.startswith(f"Lifecycle{key}")]
        found[name] = (
            alarm["Namespace"],
            alarm["MetricName"],
            alarm["Statistic"],
            alarm["Period"],
            alarm["ComparisonOperator"],
            alarm["Threshold"],
        )
        assert alarm["EvaluationPeriods"] == 1, name
        if name == "WorkQueueBacklogAging":
            # on the work queue itself, and alarming well before its retention drops items
            work_queue_id, queue = _work_queue(synthesized.dry.json)
            assert alarm["Dimensions"] == [
                {"Name": "QueueName", "Value": "${" + work_queue_id + ".QueueName}"}
            ]
            assert alarm["Threshold"] < queue["MessageRetentionPeriod"]
        # A DLQ's metrics stop while it sits untouched: its alarm keeps its state (ignore)
        expected_missing = "ignore" if name.endswith("DeadLetterQueueNotEmpty") else "notBreaching"
        assert alarm["TreatMissingData"] == expected_missing, name
        if alarm["Namespace"] == "CodeArtifactLifecycle":
            from ca_lifecycle.observability import METRIC_NAMES

            assert alarm["MetricName"] in METRIC_NAMES  # a metric the engine really emits
            # The dimension Powertools Metrics adds: without it the alarm watches nothing
            assert alarm["Dimensions"] == [{"Name": "service", "Value": "codeartifact-lifecycle"}]
    assert found == ALARMS


def _queue_policy_allows(template: dict[str, Any], queue_id: str) -> list[dict[str, Any]]:
    (policy,) = [
        body
        for body in resources(template, "AWS::SQS::QueuePolicy").values()
        if body["Properties"]["Queues"] == [{"Ref": queue_id}]
    ]
    return [
        render(statement)
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow"
    ]


def test_only_the_domain_rules_may_send_to_the_work_queue_and_its_dlq(synthesized: Any) -> None:
    template = synthesized.dry.json
    rules = domain_rules(template)
    work_queue_id, _ = _work_queue(template)
    (rule_dlq_id,) = {
        rule["Properties"]["Targets"][0]["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
        for rule in rules.values()
    }
    for queue_id in (work_queue_id, rule_dlq_id):
        allows = _queue_policy_allows(template, queue_id)
        # EventBridge, and only on behalf of these rules (confused-deputy guard): one each
        assert sorted(allow["Condition"]["ArnEquals"]["aws:SourceArn"] for allow in allows) == sorted(
            "${" + rule_id + ".Arn}" for rule_id in rules
        )
        for allow in allows:
            assert allow["Principal"] == {"Service": "events.amazonaws.com"}
            assert "sqs:SendMessage" in (
                [allow["Action"]] if isinstance(allow["Action"], str) else allow["Action"]
            )
            assert allow["Resource"] == "${" + queue_id + ".Arn}"


def test_scheduler_role_may_invoke_the_sweep_and_reach_its_dlq_only(synthesized: Any) -> None:
    template = synthesized.dry.json
    (schedule,) = resources(template, "AWS::Scheduler::Schedule").values()
    role_id = schedule["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0]
    sweep_id, _ = function_by_handler(template, SWEEP)
    dlq_id = schedule["Properties"]["Target"]["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    grants = {
        action: sorted(resources_of(statement))
        for statement in role_statements(template, role_id)
        for action in actions_of(statement)
    }
    assert grants == {
        # the function and its qualified ARNs (versions/aliases of the same function)
        "lambda:InvokeFunction": sorted(["${" + sweep_id + ".Arn}", "${" + sweep_id + ".Arn}:*"]),
        "sqs:SendMessage": ["${" + dlq_id + ".Arn}"],
    }
    # Flexible window off: the sweep runs at the scheduled minute (it only enqueues, cheaply)
    assert schedule["Properties"]["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert schedule["Properties"]["ScheduleExpressionTimezone"] == "Etc/UTC"


@pytest.mark.parametrize("handler", [WORKER, SWEEP])
def test_layer_build_matches_the_functions_runtime_and_architecture(synthesized: Any, handler: str) -> None:
    # pydantic-core is native code: a layer built for another Python or CPU fails every import
    _, function = function_by_handler(synthesized.enforce.json, handler)
    props = render(function["Properties"])
    (layer,) = props["Layers"]
    (architecture,) = props["Architectures"]
    python_tag = props["Runtime"].replace(".", "")  # python3.13 -> python313
    # Partition, region and the region's publishing account: all resolved at deploy
    assert layer == (
        "arn:${AWS::Partition}:lambda:${AWS::Region}:${Map:PowertoolsLayerAccounts/${AWS::Region}/account}"
        f":layer:AWSLambdaPowertoolsPythonV3-{python_tag}-{architecture}:{c.POWERTOOLS_LAYER_VERSION}"
    )
    mapping = synthesized.enforce.json["Mappings"]["PowertoolsLayerAccounts"]
    assert mapping == {region: {"account": acct} for region, acct in c.POWERTOOLS_LAYER_ACCOUNTS.items()}


def test_outputs_name_the_rule_and_schedule_the_rollback_runbook_disables(synthesized: Any) -> None:
    # Given the synthesized stack
    template = synthesized.dry.json
    outputs = template["Outputs"]
    # Then the rules and the schedule are outputs, referring to the deployed resources themselves
    rule_ids = domain_rules(template)
    (schedule_id,) = resources(template, "AWS::Scheduler::Schedule")
    assert outputs["EventRuleNames"]["Value"] == {
        "Fn::Join": [",", [{"Ref": rule_id} for rule_id in rule_ids]]
    }
    assert outputs["SweepScheduleName"]["Value"] == {"Ref": schedule_id}
