"""Usage ingestion for ``downloaded_within`` / ``not_downloaded_for`` (docs/usage.md).

Added by ``CodeArtifactLifecycle`` only when the policy has a usage rule: CloudTrail read
events of the policy's domains → an EventBridge rule in state
``ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`` (read-only management events reach no
other rule) → a usage queue (large batches, DLQ) → the usage function, which aggregates per
(version, day) and writes ``last_downloaded`` to the ledger with one conditional UpdateItem
per new (version, day). Alarms: the usage DLQ holds messages; no read event arrived for
longer than ``usage.max_silence`` (the engine suspends usage rules then, too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from cdk_nag import NagPackSuppression, NagSuppressions

from infra import constants as c

if TYPE_CHECKING:
    from infra.construct import CodeArtifactLifecycle


@dataclass(frozen=True)
class UsageIngestion:
    rule: events.Rule
    queue: sqs.Queue
    dead_letter_queue: sqs.Queue
    function: lambda_.Function
    alarms: list[cloudwatch.Alarm]


def usage_event_pattern(domains: list[str]) -> dict[str, Any]:
    """The rule's pattern (as CloudFormation shows it), for the construct and the tests."""
    return {
        "source": [c.EVENT_SOURCE],
        "detail-type": [c.USAGE_DETAIL_TYPE],
        "detail": {
            "eventSource": [c.USAGE_EVENT_SOURCE],
            "eventName": list(c.USAGE_EVENT_NAMES),
            # Package-manager reads spell it domainName; the API call (GetPackageVersionAsset)
            # domain. Which one each record carries is not documented (docs/usage.md).
            "$or": [
                {"requestParameters": {"domainName": domains}},
                {"requestParameters": {"domain": domains}},
            ],
        },
    }


def add_usage_ingestion(
    lifecycle: CodeArtifactLifecycle, *, code: lambda_.Code, layer: lambda_.ILayerVersion
) -> UsageIngestion:
    domains = sorted({domain for domain, _ in lifecycle.domains})
    dead_letter_queue = lifecycle._dlq("UsageDeadLetterQueue")
    queue = sqs.Queue(
        lifecycle,
        "UsageQueue",
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        visibility_timeout=Duration.seconds(
            c.VISIBILITY_TIMEOUT_FACTOR * c.USAGE_TIMEOUT_SECONDS + c.USAGE_MAX_BATCHING_WINDOW_SECONDS
        ),
        retention_period=Duration.days(c.WORK_QUEUE_RETENTION_DAYS),
        dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letter_queue, max_receive_count=c.MAX_RECEIVE_COUNT),
    )
    pattern = usage_event_pattern(domains)
    rule = events.Rule(
        lifecycle,
        "UsageReadEvents",
        description="CodeArtifact package reads (CloudTrail) of the policy's domains, to the usage queue",
        event_pattern=events.EventPattern(
            source=pattern["source"], detail_type=pattern["detail-type"], detail=pattern["detail"]
        ),
        targets=[
            events_targets.SqsQueue(
                queue,
                dead_letter_queue=lifecycle.rule_dead_letter_queue,
                max_event_age=Duration.hours(c.RULE_TARGET_MAX_EVENT_AGE_HOURS),
                retry_attempts=c.RULE_TARGET_RETRY_ATTEMPTS,
            )
        ],
    )
    # The L2 Rule knows only enabled/disabled; the L1 property carries the third state.
    cfn_rule = rule.node.default_child
    assert isinstance(cfn_rule, events.CfnRule)
    cfn_rule.state = c.USAGE_RULE_STATE

    function = lifecycle._function(
        "Usage",
        handler=c.USAGE_HANDLER,
        code=code,
        layer=layer,
        timeout=c.USAGE_TIMEOUT_SECONDS,
        memory=c.USAGE_MEMORY_MB,
        description="Records the newest download per package version from CloudTrail read events",
    )
    own_roles = [
        r.role_name for r in (lifecycle.worker.role, lifecycle.sweep.role) if isinstance(r, iam.Role)
    ]
    function.add_environment("OWN_ROLE_NAMES", ",".join(own_roles))
    role = function.role
    assert role is not None
    role.add_to_principal_policy(
        iam.PolicyStatement(
            sid="LedgerUsageWrites",
            actions=list(c.USAGE_LEDGER_ACTIONS),
            resources=[lifecycle.ledger.table_arn],
        )
    )
    function.add_event_source(
        event_sources.SqsEventSource(
            queue,
            batch_size=c.USAGE_BATCH_SIZE,
            max_batching_window=Duration.seconds(c.USAGE_MAX_BATCHING_WINDOW_SECONDS),
            report_batch_item_failures=True,
            max_concurrency=c.USAGE_MAX_CONCURRENCY,
            enabled=not lifecycle.settings.emergency_stop,
        )
    )
    lifecycle._depend_on_policy_only(function)
    alarms = _alarms(lifecycle, dead_letter_queue, function)
    _suppress(lifecycle, function)
    return UsageIngestion(rule, queue, dead_letter_queue, function, alarms)


def _alarms(
    lifecycle: CodeArtifactLifecycle, dead_letter_queue: sqs.Queue, function: lambda_.Function
) -> list[cloudwatch.Alarm]:
    five_minutes = Duration.minutes(5)
    silence = int(lifecycle.policy.usage.max_silence.total_seconds())
    period = min(86400, max(3600, math.ceil(silence / 3600) * 3600))
    alarms = [
        dead_letter_queue.metric_approximate_number_of_messages_visible(
            period=five_minutes, statistic=cloudwatch.Stats.MAXIMUM
        ).create_alarm(
            lifecycle,
            "UsageDeadLetterQueueNotEmpty",
            alarm_description="Read events the usage function could not ingest 5 times; inspect and redrive.",
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        ),
        cloudwatch.Metric(
            namespace=c.METRICS_NAMESPACE,
            metric_name="UsageReadsReceived",
            dimensions_map={"service": c.SERVICE_NAME},
            statistic=cloudwatch.Stats.SUM,
            period=Duration.seconds(period),
        ).create_alarm(
            lifecycle,
            "UsageIngestionSilent",
            alarm_description="No CodeArtifact read event was ingested for usage.max_silence: usage rules "
            "are suspended (nothing is archived for not being downloaded) until reads arrive again.",
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=max(1, math.ceil(silence / period)),
            treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
        ),
        function.metric_errors(period=five_minutes).create_alarm(
            lifecycle,
            "UsageErrors",
            alarm_description="Usage function invocations failed.",
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        ),
    ]
    if lifecycle.alarm_topic is not None:
        action = cloudwatch_actions.SnsAction(lifecycle.alarm_topic)
        for alarm in alarms:
            alarm.add_alarm_action(action)
    return alarms


def _suppress(lifecycle: CodeArtifactLifecycle, function: lambda_.Function) -> None:
    NagSuppressions.add_resource_suppressions(
        function,
        [
            NagPackSuppression(
                id="AwsSolutions-L1",
                reason="python3.13 is the project's target runtime, tested with the pinned Powertools "
                "v3 layer build (python313); upgraded together, deliberately.",
            )
        ],
    )
    if lifecycle.settings.tracing:
        assert function.role is not None
        NagSuppressions.add_resource_suppressions(
            function.role.node.find_child("DefaultPolicy"),
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason="X-Ray trace upload (xray:PutTraceSegments, PutTelemetryRecords), added by "
                    "active tracing: these actions have no resource type, so IAM accepts only Resource *.",
                    applies_to=["Resource::*"],
                )
            ],
            apply_to_children=True,
        )
