"""The deployable stack: one ``CodeArtifactLifecycle`` plus the outputs an operator needs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import CfnOutput, Fn, Stack, Tags
from constructs import Construct

from infra import constants as c
from infra.construct import CodeArtifactLifecycle, LifecycleSettings

if TYPE_CHECKING:
    from ca_lifecycle.policy import PolicyDocument


def stack_name(stage: str) -> str:
    return f"CodeArtifactLifecycle-{stage}"


class CodeArtifactLifecycleStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        policy: PolicyDocument,
        stage: str,
        settings: LifecycleSettings | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.lifecycle = CodeArtifactLifecycle(self, "Lifecycle", policy=policy, settings=settings)
        Tags.of(self).add("Service", c.SERVICE_NAME)
        Tags.of(self).add("Stage", stage)

        mode = "enforce" if self.lifecycle.enforce else "dry-run"
        CfnOutput(self, "PolicyMode", value=mode, description="The mode the deployed policy runs in")
        CfnOutput(self, "WorkQueueUrl", value=self.lifecycle.work_queue.queue_url)
        CfnOutput(self, "WorkDeadLetterQueueUrl", value=self.lifecycle.dead_letter_queue.queue_url)
        CfnOutput(self, "LedgerTableName", value=self.lifecycle.ledger.table_name)
        CfnOutput(self, "IgnoredEventsQueueUrl", value=self.lifecycle.ignored_events_queue.queue_url)
        CfnOutput(self, "WorkerFunctionName", value=self.lifecycle.worker.function_name)
        CfnOutput(self, "SweepFunctionName", value=self.lifecycle.sweep.function_name)
        CfnOutput(self, "DashboardName", value=self.lifecycle.dashboard.dashboard_name)
        # Named for the rollback runbook (README "Roll back"): pause intake without a deploy.
        CfnOutput(
            self,
            "EventRuleNames",
            value=Fn.join(",", [rule.rule_name for rule in self.lifecycle.rules.values()]),
            description="One EventBridge rule per policy domain (comma-separated)",
        )
        CfnOutput(self, "SweepScheduleName", value=self.lifecycle.schedule.schedule_name)
        if self.lifecycle.digest is not None:
            # Subscribe people or tools to the digests here (README "Digests").
            CfnOutput(self, "DigestTopicArn", value=self.lifecycle.digest_topic.topic_arn)
        CfnOutput(
            self,
            "SweepScheduleGroupName",
            value=self.lifecycle.schedule_group.schedule_group_name,
        )
        # The no-deploy stop: aws lambda update-event-source-mapping --uuid <this> --no-enabled
        CfnOutput(
            self,
            "WorkerEventSourceMappingId",
            value=self.lifecycle.work_source.event_source_mapping_id,
        )
        CfnOutput(
            self,
            "EmergencyStop",
            value="true" if self.lifecycle.settings.emergency_stop else "false",
            description="true: the worker's queue mapping and the sweep schedule are disabled",
        )
        # For a domain in another account: its domain and repository policies name these roles
        # (docs/deploy.md; `python -m infra.cross_account` prints the statements).
        assert self.lifecycle.worker.role is not None
        assert self.lifecycle.sweep.role is not None
        CfnOutput(self, "WorkerRoleArn", value=self.lifecycle.worker.role.role_arn)
        CfnOutput(self, "SweepRoleArn", value=self.lifecycle.sweep.role.role_arn)


def forwarder_stack_name(stage: str) -> str:
    return f"CodeArtifactLifecycleForwarder-{stage}"


class DomainOwnerForwarderStack(Stack):
    """Deployed in a domain owner's account: forwards its domains' events to the engine account."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        engine_account: str,
        domains: list[str],
        stage: str,
        **kwargs: Any,
    ) -> None:
        from infra.forwarder import DomainOwnerForwarder

        super().__init__(scope, construct_id, **kwargs)
        self.forwarder = DomainOwnerForwarder(
            self, "Forwarder", engine_account=engine_account, domains=domains
        )
        Tags.of(self).add("Service", c.SERVICE_NAME)
        Tags.of(self).add("Stage", stage)
        CfnOutput(self, "ForwardingRuleName", value=self.forwarder.rule.rule_name)
        CfnOutput(self, "ForwardingDeadLetterQueueUrl", value=self.forwarder.dead_letter_queue.queue_url)
