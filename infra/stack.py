"""The deployable stack: one ``CodeArtifactLifecycle`` plus the outputs an operator needs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import CfnOutput, Stack, Tags
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
        CfnOutput(self, "WorkerFunctionName", value=self.lifecycle.worker.function_name)
        CfnOutput(self, "SweepFunctionName", value=self.lifecycle.sweep.function_name)
        CfnOutput(self, "DashboardName", value=self.lifecycle.dashboard.dashboard_name)
        # Named for the rollback runbook (README "Roll back"): pause intake without a deploy.
        CfnOutput(self, "EventRuleName", value=self.lifecycle.rule.rule_name)
        CfnOutput(self, "SweepScheduleName", value=self.lifecycle.schedule.schedule_name)
