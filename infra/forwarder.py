"""``DomainOwnerForwarder``: for a CodeArtifact domain owned by another account than the engine.

CodeArtifact sends package-version events only to the domain owner's account (and the
repository administrator's). Deployed in the owner account, in the engine's region, this
forwards the events of the named domains to the engine account's default bus, where the
engine's bus policy (``CodeArtifactLifecycle._accept_forwarded_events``) admits them and the
engine's domain rule routes them as if they had been delivered there. docs/deploy.md has the
steps.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from infra import constants as c

_ACCOUNT = re.compile(r"^\d{12}$")


class DomainOwnerForwarder(Construct):
    """A rule on the owner's default bus, its cross-account bus target, role and DLQ."""

    def __init__(
        self, scope: Construct, construct_id: str, *, engine_account: str, domains: Sequence[str]
    ) -> None:
        super().__init__(scope, construct_id)
        if not _ACCOUNT.match(engine_account):
            raise ValueError(f"engine_account: must be a 12-digit AWS account id, got {engine_account!r}")
        if not domains:
            raise ValueError("domains: name at least one CodeArtifact domain of this account to forward")
        stack = Stack.of(self)
        self.engine_bus_arn = stack.format_arn(
            service="events", account=engine_account, resource="event-bus", resource_name="default"
        )
        # Confused-deputy guard: only EventBridge acting for this account may use the role.
        self.role = iam.Role(
            self,
            "PutEventsRole",
            assumed_by=iam.ServicePrincipal(
                "events.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}
            ),
            description="codeartifact-lifecycle: forward CodeArtifact events to the engine account's bus",
        )
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(c.DLQ_RETENTION_DAYS),
        )
        self.rule = events.Rule(
            self,
            "ForwardCodeArtifactEvents",
            description="CodeArtifact package-version changes of this account's domains, to the "
            "codeartifact-lifecycle engine account",
            event_pattern=events.EventPattern(
                source=[c.EVENT_SOURCE],
                detail_type=[c.EVENT_DETAIL_TYPE],
                # Only domains this account owns: events it gets as a repository administrator
                # of someone else's domain are that owner's to forward.
                detail={"domainName": sorted(set(domains)), "domainOwner": [Aws.ACCOUNT_ID]},
            ),
            targets=[
                events_targets.EventBus(
                    events.EventBus.from_event_bus_arn(self, "EngineBus", self.engine_bus_arn),
                    role=self.role,
                    dead_letter_queue=self.dead_letter_queue,
                )
            ],
        )
        self.alarm = self.dead_letter_queue.metric_approximate_number_of_messages_visible(
            period=Duration.minutes(5), statistic=cloudwatch.Stats.MAXIMUM
        ).create_alarm(
            self,
            "DeadLetterQueueNotEmpty",
            alarm_description="CodeArtifact events could not be forwarded to the engine account: "
            "check the engine's bus policy (docs/deploy.md) and redrive.",
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        NagSuppressions.add_resource_suppressions(
            self.dead_letter_queue,
            [
                NagPackSuppression(
                    id="AwsSolutions-SQS3",
                    reason="This queue is itself a dead-letter queue: the forwarding rule target's, which "
                    "cdk-nag cannot see as it only recognizes redrive policies. An alarm watches its depth.",
                )
            ],
        )
