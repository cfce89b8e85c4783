"""``CodeArtifactLifecycle``: the whole engine as one reusable CDK construct.

CodeArtifact ──event──▶ EventBridge rule ──▶ SQS work queue (DLQ) ──▶ worker Lambda ──▶ ledger
EventBridge Scheduler ──▶ sweep Lambda ──enqueue──┘

A platform team either deploys ``infra/app.py`` as is, or adds this construct to its own
app with a policy loaded by ``ca_lifecycle.policy.load_policy`` (the validation the
functions run, so a policy that synthesizes is a policy the functions accept).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aws_cdk import (
    Annotations,
    ArnFormat,
    Aws,
    CfnMapping,
    CfnResource,
    CfnRule,
    CfnRuleAssertion,
    Duration,
    Fn,
    Names,
    RemovalPolicy,
    Stack,
    Token,
)
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from ca_lifecycle.policy import Mode
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from infra import constants as c
from infra.asset import build_asset
from infra.scope import package_resource_names
from infra.usage import add_usage_ingestion

if TYPE_CHECKING:
    from ca_lifecycle.policy import PolicyDocument

# Scheduler accepts exactly these three expression forms.
_SCHEDULE_EXPRESSION = re.compile(r"^(rate|cron|at)\(.+\)$")


@dataclass(frozen=True)
class LifecycleSettings:
    """Deployment knobs; every default is the recommended production value."""

    sweep_schedule: str = c.DEFAULT_SWEEP_SCHEDULE
    # Upper bound of concurrent worker invocations: the back-pressure that protects
    # CodeArtifact's account-wide write quota.
    worker_max_concurrency: int = c.DEFAULT_WORKER_CONCURRENCY
    alarm_email: str | None = None
    # An existing topic for alarm notifications; takes precedence over alarm_email's topic.
    alarm_topic: sns.ITopic | None = None
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH
    log_level: str = c.DEFAULT_LOG_LEVEL
    # Override the public Powertools layer (e.g. another partition, or a private copy).
    powertools_layer_arn: str | None = None
    # Where the Lambda asset folder is staged; default build/lambda-asset/<construct id>.
    asset_dir: Path | None = None
    tracing: bool = True
    # Emergency stop: the worker's event source mapping and the sweep schedule are disabled,
    # so nothing evaluates or writes; events keep queueing (4 days) for the resume deploy.
    # Not reserved concurrency 0: that leaves the poller receiving and fills the DLQ.
    emergency_stop: bool = False
    # Re-attach a ledger table retained by an earlier deployment instead of creating one.
    ledger_table_name: str | None = None
    # Versions archived plus disposed in one hour above which the spike alarm fires: a
    # policy edit that suddenly matches far more than intended shows here first.
    spike_per_hour: int = c.DEFAULT_SPIKE_PER_HOUR
    # Digests (app/digest.py): when, how far ahead, who is subscribed, what storage costs.
    digest_schedule: str = c.DEFAULT_DIGEST_SCHEDULE
    digest_within: str = c.DEFAULT_DIGEST_WITHIN
    digest_email: str | None = None
    price_per_gb_month: float = c.DEFAULT_PRICE_PER_GB_MONTH

    def validate(self) -> None:
        """Fail synth on a knob the service would reject at deploy time."""
        if not c.MIN_WORKER_CONCURRENCY <= self.worker_max_concurrency <= c.MAX_WORKER_CONCURRENCY:
            raise ValueError(
                f"worker_max_concurrency: must be between {c.MIN_WORKER_CONCURRENCY} and "
                f"{c.MAX_WORKER_CONCURRENCY} (Lambda's SQS maximum-concurrency range), "
                f"got {self.worker_max_concurrency}"
            )
        if not _SCHEDULE_EXPRESSION.match(self.sweep_schedule.strip()):
            raise ValueError(
                f"sweep_schedule: expected an EventBridge Scheduler expression such as "
                f"'rate(1 day)' or 'cron(0 3 * * ? *)', got {self.sweep_schedule!r}"
            )
        if not _SCHEDULE_EXPRESSION.match(self.digest_schedule.strip()):
            raise ValueError(
                f"digest_schedule: expected an EventBridge Scheduler expression, got {self.digest_schedule!r}"
            )
        if not re.match(r"^[1-9][0-9]*[wdh]$", self.digest_within):
            raise ValueError(f"digest_within: expected a duration such as 7d, got {self.digest_within!r}")
        if self.price_per_gb_month <= 0:
            raise ValueError(f"price_per_gb_month: must be positive, got {self.price_per_gb_month}")
        if self.spike_per_hour < 1:
            raise ValueError(f"spike_per_hour: must be a positive integer, got {self.spike_per_hour}")


def event_pattern_detail(domain: str, owner: str) -> dict[str, Any]:
    """One domain rule's ``detail`` filter: the domain pinned to its owner account, and only
    the package formats and version states the engine knows.

    Pinning the owner keeps a same-named domain of another account (where this account only
    administers a repository) away from a worker that could not act on it. Unknown formats,
    states and operation types are filtered here rather than rejected by the worker, which
    would retry them into the DLQ; deletes match on ``operationType`` alone as their state
    value is undocumented.
    """
    return {
        "domainName": [domain],
        "domainOwner": [owner],
        "packageFormat": list(c.EVENT_PACKAGE_FORMATS),
        "$or": [
            {
                "operationType": list(c.EVENT_CHANGE_OPERATIONS),
                "packageVersionState": list(c.EVENT_VERSION_STATES),
            },
            {"operationType": [c.EVENT_DELETE_OPERATION]},
        ],
    }


def schedule_interval_seconds(expression: str) -> int:
    """The longest gap between two sweeps of a Scheduler expression, in seconds.

    ``rate(N unit)`` is exact; a ``cron`` that runs every day (day-of-month and day-of-week
    unrestricted) counts as one day, any other cron and a one-time ``at`` as a week, which
    is as long as a CloudWatch alarm can look back.
    """
    expression = expression.strip()
    rate = re.match(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$", expression)
    if rate:
        unit = {"minute": 60, "hour": 3600, "day": 86400}[rate.group(2).rstrip("s")]
        return int(rate.group(1)) * unit
    cron = re.match(r"^cron\((.+)\)$", expression)
    if cron:
        fields = cron.group(1).split()
        if len(fields) == 6 and fields[2] in ("*", "?") and fields[4] in ("*", "?") and fields[3] == "*":
            return 86400
    return c.MAX_SILENCE_ALARM_SECONDS


def powertools_layer_arn(scope: Construct, version: int = c.POWERTOOLS_LAYER_VERSION) -> str:
    """The public layer's ARN in the stack's partition and region.

    A stack with a concrete region gets a literal ARN, or a synth error when the layer is not
    published there. An environment-agnostic stack (region unknown until deploy) gets the
    publishing account from a template mapping, guarded by a template rule that stops the
    deploy before any resource is touched in a region the table lacks.
    """
    stack = Stack.of(scope)
    name = f"AWSLambdaPowertoolsPythonV3-{c.POWERTOOLS_PYTHON_TAG}-{c.POWERTOOLS_LAYER_ARCH}"
    if not Token.is_unresolved(stack.region):
        account = c.POWERTOOLS_LAYER_ACCOUNTS.get(stack.region)
        if account is None:
            raise ValueError(
                f"powertools_layer_arn: the Powertools layer {name} is not published in "
                f"{stack.region}; pass powertools_layer_arn=<ARN of a copy in that region> "
                f"(published in: {', '.join(sorted(c.POWERTOOLS_LAYER_ACCOUNTS))})"
            )
    else:
        mapping = stack.node.try_find_child("PowertoolsLayerAccounts")
        if not isinstance(mapping, CfnMapping):
            mapping = CfnMapping(
                stack,
                "PowertoolsLayerAccounts",
                mapping={region: {"account": acct} for region, acct in c.POWERTOOLS_LAYER_ACCOUNTS.items()},
            )
            CfnRule(
                stack,
                "PowertoolsLayerRegion",
                assertions=[
                    CfnRuleAssertion(
                        assert_=Fn.condition_contains(sorted(c.POWERTOOLS_LAYER_ACCOUNTS), Aws.REGION),
                        assert_description=f"The Powertools layer {name} is not published in this "
                        "region: synthesize with -c powertools_layer_arn=<ARN of a copy in this region>.",
                    )
                ],
            )
        account = mapping.find_in_map(Aws.REGION, "account")
    return f"arn:{stack.partition}:lambda:{stack.region}:{account}:layer:{name}:{version}"


class CodeArtifactLifecycle(Construct):
    """Event-driven lifecycle automation for the CodeArtifact domains a policy names."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        policy: PolicyDocument,
        settings: LifecycleSettings | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        settings = settings or LifecycleSettings()
        settings.validate()
        self.policy = policy
        self.settings = settings
        self.enforce = policy.mode is Mode.ENFORCE
        self.domains: Sequence[tuple[str, str | None]] = sorted(
            set(policy.domains()), key=lambda pair: (pair[0], pair[1] or "")
        )
        if not self.domains:
            raise ValueError("policies: the policy names no CodeArtifact domain, nothing to deploy for")

        self.ledger = self._ledger()
        self.dead_letter_queue, self.work_queue = self._work_queue()
        self.rule_dead_letter_queue = self._dlq("RuleDeadLetterQueue")
        self.sweep_dead_letter_queue = self._dlq("SweepDeadLetterQueue")

        asset_dir = settings.asset_dir or Path(c.ASSET_STAGING_DIR).resolve() / Names.unique_id(self)
        code = lambda_.Code.from_asset(str(build_asset(policy, asset_dir)))
        layer = lambda_.LayerVersion.from_layer_version_arn(
            self, "PowertoolsLayer", settings.powertools_layer_arn or powertools_layer_arn(self)
        )
        self.worker = self._function(
            "Worker",
            handler=c.WORKER_HANDLER,
            code=code,
            layer=layer,
            timeout=c.WORKER_TIMEOUT_SECONDS,
            memory=c.WORKER_MEMORY_MB,
            description="Evaluates one CodeArtifact package per work item and applies the policy",
            # The worker feeds its own queue on purpose: a repository page enqueues the next
            # page and its packages. Lambda's loop detection stops such a chain after ~16 hops
            # and drops the message to the DLQ, i.e. every package after the 16th page (16,000
            # packages) of a repository would silently never be swept. The chain ends when
            # ListPackages returns no next token.
            recursive_loop=lambda_.RecursiveLoop.ALLOW,
        )
        self.sweep = self._function(
            "Sweep",
            handler=c.SWEEP_HANDLER,
            code=code,
            layer=layer,
            timeout=c.SWEEP_TIMEOUT_SECONDS,
            memory=c.SWEEP_MEMORY_MB,
            description="Enqueues one repository-page work item per repository in scope",
            dead_letter_queue=self.sweep_dead_letter_queue,
        )
        self._grant_worker()
        self._grant_sweep()

        self.work_source = event_sources.SqsEventSource(
            self.work_queue,
            batch_size=c.BATCH_SIZE,
            max_batching_window=Duration.seconds(c.MAX_BATCHING_WINDOW_SECONDS),
            report_batch_item_failures=True,
            max_concurrency=settings.worker_max_concurrency,
            enabled=not settings.emergency_stop,
        )
        self.worker.add_event_source(self.work_source)
        # One rule per domain: its Invocations metric is that domain's event heartbeat.
        self.rules: dict[tuple[str, str | None], events.Rule] = {
            (domain, owner): self._domain_rule(domain, owner) for domain, owner in self.domains
        }
        # DLQ-shaped (SSE, TLS only, 14 days) and consumed by nobody: events kept for a person.
        self.ignored_events_queue = self._dlq("IgnoredEventsQueue")
        self.ignored_events_rule = self._ignored_events_rule()
        self.event_bus_policies = self._accept_forwarded_events()
        self.schedule_group = scheduler.ScheduleGroup(
            self,
            "SweepScheduleGroup",
            # The Scheduler role trusts schedules of this group only (aws:SourceArn).
            schedule_group_name=Names.unique_resource_name(self, max_length=64, separator="-"),
        )
        self.schedule_role = self._scheduler_role()
        self.schedule = scheduler.Schedule(
            self,
            "SweepSchedule",
            description="Applies the policy to every package in scope, independent of events",
            schedule_group=self.schedule_group,
            enabled=not settings.emergency_stop,
            schedule=scheduler.ScheduleExpression.expression(settings.sweep_schedule.strip()),
            target=scheduler_targets.LambdaInvoke(
                self.sweep,
                input=scheduler.ScheduleTargetInput.from_object(dict(c.SWEEP_INPUT)),
                dead_letter_queue=self.sweep_dead_letter_queue,
                role=self.schedule_role,
                retry_attempts=c.SCHEDULE_RETRY_ATTEMPTS,
                max_event_age=Duration.hours(c.SCHEDULE_MAX_EVENT_AGE_HOURS),
            ),
        )
        # Digests are deployed when someone subscribes (digest_email) or the policy needs them: a
        # dispose notice is only ever given by a delivered digest.
        self.digest: lambda_.Function | None = None
        self.digest_dead_letter_queue: sqs.Queue | None = None
        if settings.digest_email or any(
            p.dispose is not None and p.dispose.notice is not None for p in policy.policies
        ):
            self._digest(code, layer)
        for function in (self.worker, self.sweep, self.digest):
            if function is not None:
                self._depend_on_policy_only(function)
        self.alarm_topic = self._alarm_topic()
        self.alarms = self._alarms()
        self.dashboard = self._dashboard()
        self._suppress_nag_findings()
        # Read-event ingestion exists only for a policy with usage rules (infra/usage.py).
        self.usage = add_usage_ingestion(self, code=code, layer=layer) if policy.uses_usage else None
        if self.usage is not None:
            self.alarms.extend(self.usage.alarms)

    # --- digests ------------------------------------------------------------------------

    def _digest(self, code: lambda_.Code, layer: lambda_.ILayerVersion) -> None:
        """Topic, function and daily schedule of the digests (app/digest.py; README "Digests")."""
        settings = self.settings
        self.digest_topic = sns.Topic(
            self, "DigestTopic", display_name="codeartifact-lifecycle digests", enforce_ssl=True
        )
        if settings.digest_email:
            self.digest_topic.add_subscription(subscriptions.EmailSubscription(settings.digest_email))
        else:
            Annotations.of(self).add_warning_v2(
                "codeartifact-lifecycle:no-digest-subscriber",
                "The policy sets a dispose notice but no digest_email: digests go to a topic nobody "
                "reads unless you subscribe to it (output DigestTopicArn).",
            )
        self.digest_dead_letter_queue = self._dlq("DigestDeadLetterQueue")
        digest = self.digest = self._function(
            "Digest",
            handler=c.DIGEST_HANDLER,
            code=code,
            layer=layer,
            timeout=c.DIGEST_TIMEOUT_SECONDS,
            memory=c.DIGEST_MEMORY_MB,
            description="Publishes each domain's digest of coming archives and disposals",
            dead_letter_queue=self.digest_dead_letter_queue,
        )
        digest.add_environment("DIGEST_TOPIC_ARN", self.digest_topic.topic_arn)
        digest.add_environment("DIGEST_WITHIN", settings.digest_within)
        digest.add_environment("PRICE_PER_GB_MONTH", str(settings.price_per_gb_month))
        role = digest.role
        assert role is not None
        # Reads what the worker reads (it evaluates every package read-only) and records notices.
        for sid, actions, resources in (
            ("ListRepositoriesInScope", c.CODEARTIFACT_DOMAIN_READ, self._codeartifact_arns("domain", "")),
            (
                "ListPackagesInScope",
                c.CODEARTIFACT_REPOSITORY_READ,
                self._codeartifact_arns("repository", "/*"),
            ),
            ("ReadPackagesInScope", c.CODEARTIFACT_PACKAGE_READ, self._codeartifact_arns("package", "/*/*")),
            ("LedgerNotices", c.DIGEST_LEDGER_ACTIONS, [self.ledger.table_arn]),
        ):
            role.add_to_principal_policy(
                iam.PolicyStatement(sid=sid, actions=list(actions), resources=resources)
            )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="PublishDigests", actions=["sns:Publish"], resources=[self.digest_topic.topic_arn]
            )
        )
        self.digest_schedule_role = self._scheduler_role("DigestScheduleRole", "the digest")
        self.digest_schedule = scheduler.Schedule(
            self,
            "DigestSchedule",
            description="Tells each domain what will be archived and disposed in the coming window",
            schedule_group=self.schedule_group,
            enabled=not settings.emergency_stop,
            schedule=scheduler.ScheduleExpression.expression(settings.digest_schedule.strip()),
            target=scheduler_targets.LambdaInvoke(
                digest,
                input=scheduler.ScheduleTargetInput.from_object({"kind": "digest"}),
                dead_letter_queue=self.digest_dead_letter_queue,
                role=self.digest_schedule_role,
                retry_attempts=c.SCHEDULE_RETRY_ATTEMPTS,
                max_event_age=Duration.hours(c.SCHEDULE_MAX_EVENT_AGE_HOURS),
            ),
        )

    # --- storage ------------------------------------------------------------------------

    def _ledger(self) -> dynamodb.ITable:
        if self.settings.ledger_table_name:
            # The table an earlier deployment retained (README "Teardown"): same keys, same
            # records, so dispose timing carries over; this stack neither owns nor deletes it.
            return dynamodb.Table.from_table_name(self, "Ledger", self.settings.ledger_table_name)
        return dynamodb.Table(
            self,
            "Ledger",
            partition_key=dynamodb.Attribute(name=c.LEDGER_PARTITION_KEY, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=c.LEDGER_SORT_KEY, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=c.LEDGER_TTL_ATTRIBUTE,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            # The ledger holds the only record of when versions were archived: dispose
            # timing depends on it, so neither a stack deletion nor a slip may drop it.
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _dlq(self, construct_id: str) -> sqs.Queue:
        return sqs.Queue(
            self,
            construct_id,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(c.DLQ_RETENTION_DAYS),
        )

    def _work_queue(self) -> tuple[sqs.Queue, sqs.Queue]:
        dead_letter_queue = self._dlq("WorkDeadLetterQueue")
        visibility = c.VISIBILITY_TIMEOUT_FACTOR * c.WORKER_TIMEOUT_SECONDS + c.MAX_BATCHING_WINDOW_SECONDS
        queue = sqs.Queue(
            self,
            "WorkQueue",
            # SQS-managed SSE: encrypted at rest with no key policy for EventBridge and
            # Scheduler to get wrong, and no per-request KMS cost.
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(visibility),
            retention_period=Duration.days(c.WORK_QUEUE_RETENTION_DAYS),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=dead_letter_queue, max_receive_count=c.MAX_RECEIVE_COUNT
            ),
        )
        return dead_letter_queue, queue

    # --- events -------------------------------------------------------------------------

    def _domain_rule(self, domain: str, owner: str | None) -> events.Rule:
        # A domain without domain_owner belongs to the deploying account, exactly as the
        # sweep and the IAM statements read it.
        detail = event_pattern_detail(domain, owner or Stack.of(self).account)
        return events.Rule(
            self,
            f"PackageVersionEvents-{domain}-{owner or 'self'}",
            description=f"CodeArtifact package-version changes in domain {domain}, to the work queue",
            event_pattern=events.EventPattern(
                source=[c.EVENT_SOURCE], detail_type=[c.EVENT_DETAIL_TYPE], detail=detail
            ),
            targets=[
                events_targets.SqsQueue(
                    self.work_queue,
                    dead_letter_queue=self.rule_dead_letter_queue,
                    max_event_age=Duration.hours(c.RULE_TARGET_MAX_EVENT_AGE_HOURS),
                    retry_attempts=c.RULE_TARGET_RETRY_ATTEMPTS,
                )
            ],
        )

    def _ignored_events_rule(self) -> events.Rule:
        """Events of the policy's domains the domain rules leave out, kept for inspection.

        A package format, version state or operation type CodeArtifact adds later matches no
        domain rule, so it is never retried into the DLQ. This rule counts and keeps those
        events (the dashboard graphs them; nobody is paged): the sign the engine needs an update.
        ``anything-but`` does not match a missing field, so a change event without a state is
        not kept here (CodeArtifact always sends one).
        """
        detail = {
            "domainName": sorted({domain for domain, _ in self.domains}),
            "$or": [
                {"packageFormat": [{"anything-but": list(c.EVENT_PACKAGE_FORMATS)}]},
                {"operationType": [{"anything-but": [*c.EVENT_CHANGE_OPERATIONS, c.EVENT_DELETE_OPERATION]}]},
                {
                    "operationType": list(c.EVENT_CHANGE_OPERATIONS),
                    "packageVersionState": [{"anything-but": list(c.EVENT_VERSION_STATES)}],
                },
            ],
        }
        return events.Rule(
            self,
            "IgnoredEvents",
            description="CodeArtifact events of the policy's domains the engine does not know "
            "(format, state or operation), kept for inspection",
            event_pattern=events.EventPattern(
                source=[c.EVENT_SOURCE], detail_type=[c.EVENT_DETAIL_TYPE], detail=detail
            ),
            targets=[events_targets.SqsQueue(self.ignored_events_queue)],
        )

    def _accept_forwarded_events(self) -> list[events.CfnEventBusPolicy]:
        """Let each named domain owner put CodeArtifact events on this account's default bus.

        CodeArtifact delivers events to the domain owner's (and repository administrator's)
        account only; the owner forwards them here with ``DomainOwnerForwarder``. Only events
        of CodeArtifact's source and detail-type are accepted, so the owner account cannot
        inject anything else onto the bus. A statement for the deploying account itself
        (domain_owner naming it) is harmless.
        """
        owners = sorted({owner for _, owner in self.domains if owner})
        stack = Stack.of(self)
        bus_arn = stack.format_arn(service="events", resource="event-bus", resource_name="default")
        return [
            events.CfnEventBusPolicy(
                self,
                f"AcceptEventsFrom{owner}",
                statement_id=f"codeartifact-lifecycle-{Names.unique_id(self)[-8:]}-{owner}",
                event_bus_name="default",
                statement={
                    "Sid": f"CodeArtifactEventsFrom{owner}",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:{stack.partition}:iam::{owner}:root"},
                    "Action": "events:PutEvents",
                    "Resource": bus_arn,
                    "Condition": {
                        "StringEquals": {
                            "events:source": [c.EVENT_SOURCE],
                            "events:detail-type": [c.EVENT_DETAIL_TYPE],
                        }
                    },
                },
            )
            for owner in owners
        ]

    # --- functions ----------------------------------------------------------------------

    def _function(
        self,
        construct_id: str,
        *,
        handler: str,
        code: lambda_.Code,
        layer: lambda_.ILayerVersion,
        timeout: int,
        memory: int,
        description: str,
        dead_letter_queue: sqs.IQueue | None = None,
        recursive_loop: lambda_.RecursiveLoop = lambda_.RecursiveLoop.TERMINATE,
    ) -> lambda_.Function:
        log_group = logs.LogGroup(
            self,
            f"{construct_id}Logs",
            retention=self.settings.log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        # One role per function, no managed policies: every permission is an inline
        # statement added below or by a grant, scoped to this deployment's resources.
        role = iam.Role(
            self,
            f"{construct_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"codeartifact-lifecycle {construct_id.lower()} function",
        )
        log_group.grant_write(role)
        return lambda_.Function(
            self,
            construct_id,
            runtime=lambda_.Runtime.PYTHON_3_13,
            architecture=lambda_.Architecture.ARM_64,
            handler=handler,
            code=code,
            layers=[layer],
            role=role,
            timeout=Duration.seconds(timeout),
            memory_size=memory,
            description=description,
            log_group=log_group,
            tracing=lambda_.Tracing.ACTIVE if self.settings.tracing else lambda_.Tracing.DISABLED,
            environment={
                "POLICY_FILE": c.POLICY_FILE_NAME,
                "LEDGER_TABLE": self.ledger.table_name,
                "WORK_QUEUE_URL": self.work_queue.queue_url,
                "POWERTOOLS_SERVICE_NAME": c.SERVICE_NAME,
                "POWERTOOLS_METRICS_NAMESPACE": c.METRICS_NAMESPACE,
                "LOG_LEVEL": self.settings.log_level,
            },
            dead_letter_queue=dead_letter_queue,
            retry_attempts=c.SWEEP_ASYNC_RETRY_ATTEMPTS if dead_letter_queue is not None else None,
            recursive_loop=recursive_loop,
        )

    def _depend_on_policy_only(self, function: lambda_.Function) -> None:
        """Keep the function's DependsOn to its role's policy, dropping the role itself.

        CDK makes a function depend on its whole role construct; the role is already implied
        by the ``Role`` GetAtt (cfn-lint W3005), while the policy must exist before the
        function first runs, or early invocations fail on missing permissions.
        """
        assert function.role is not None
        policy = function.role.node.find_child("DefaultPolicy").node.default_child
        resource = function.node.default_child
        assert isinstance(policy, CfnResource)
        assert isinstance(resource, CfnResource)
        resource.add_override("DependsOn", [Stack.of(self).get_logical_id(policy)])

    # --- IAM ----------------------------------------------------------------------------

    def _codeartifact_arns(self, resource: str, suffix: str) -> list[str]:
        """ARNs of ``resource`` type for each configured domain, in its owner's account."""
        stack = Stack.of(self)
        return [
            stack.format_arn(
                service="codeartifact",
                resource=resource,
                resource_name=f"{domain}{suffix}",
                # None: the stack's own account, where an unowned domain is looked up.
                account=owner,
                arn_format=ArnFormat.SLASH_RESOURCE_NAME,
            )
            for domain, owner in self.domains
        ]

    def _write_arns(self) -> list[str]:
        """Package ARN patterns of every scope, each in its domain owner's account."""
        stack = Stack.of(self)
        arns: list[str] = []
        for domain, owner in self.domains:
            scopes = [
                policy.scope
                for policy in self.policy.policies
                if (policy.scope.domain, policy.scope.domain_owner) == (domain, owner)
            ]
            arns.extend(
                stack.format_arn(
                    service="codeartifact",
                    resource="package",
                    resource_name=name,
                    account=owner,
                    arn_format=ArnFormat.SLASH_RESOURCE_NAME,
                )
                for name in package_resource_names(scopes)
            )
        return arns

    def _grant_worker(self) -> None:
        role = self.worker.role
        assert role is not None  # set explicitly in _function
        repositories = self._codeartifact_arns("repository", "/*")
        packages = self._codeartifact_arns("package", "/*/*")
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ListPackagesInScope",
                actions=list(c.CODEARTIFACT_REPOSITORY_READ),
                resources=repositories,
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ReadPackagesInScope", actions=list(c.CODEARTIFACT_PACKAGE_READ), resources=packages
            )
        )
        if self.enforce:
            # Only an enforcing policy may change CodeArtifact; a dry-run deployment could
            # not archive, dispose or re-lock anything even if its code tried. Writes reach
            # only the policy's repositories and package patterns (infra/scope.py).
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    sid="ApplyPolicyToPackagesInScope",
                    actions=list(c.CODEARTIFACT_PACKAGE_WRITE),
                    resources=self._write_arns(),
                )
            )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="LedgerReadWrite", actions=list(c.LEDGER_ACTIONS), resources=[self.ledger.table_arn]
            )
        )
        # The worker enqueues follow-up items (next ListPackages page, package items).
        self._grant_enqueue(role)

    def _grant_sweep(self) -> None:
        role = self.sweep.role
        assert role is not None
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ListRepositoriesInScope",
                actions=list(c.CODEARTIFACT_DOMAIN_READ),
                resources=self._codeartifact_arns("domain", ""),
            )
        )
        self._grant_enqueue(role)

    def _grant_enqueue(self, role: iam.IRole) -> None:
        """SendMessage (which also authorizes SendMessageBatch) on the work queue, nothing else.

        Not ``grant_send_messages``: it adds GetQueueAttributes and GetQueueUrl, which the
        publisher never calls (it has the URL from the environment). The queue is SSE-SQS,
        so no KMS permission is needed either.
        """
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="EnqueueWorkItems", actions=["sqs:SendMessage"], resources=[self.work_queue.queue_arn]
            )
        )

    def _scheduler_role(self, construct_id: str = "SweepScheduleRole", what: str = "the sweep") -> iam.Role:
        """The role Scheduler assumes to invoke the sweep; the target grants it invoke + DLQ send.

        Own role (not the stack-wide singleton the target would create) so the construct is
        self-contained, confused-deputy protection included.
        """
        stack = Stack.of(self)
        group = self.schedule_group.schedule_group_name
        # The Scheduler docs name the schedule group's ARN as aws:SourceArn; the schedules of
        # that group are listed too, so the condition holds under either reading.
        source_arns = [
            self.schedule_group.schedule_group_arn,
            stack.format_arn(service="scheduler", resource="schedule", resource_name=f"{group}/*"),
        ]
        return iam.Role(
            self,
            construct_id,
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnLike": {"aws:SourceArn": source_arns},
                },
            ),
            description=f"codeartifact-lifecycle: EventBridge Scheduler invokes {what}",
        )

    # --- observability ------------------------------------------------------------------

    def _alarm_topic(self) -> sns.ITopic | None:
        if self.settings.alarm_topic is not None:
            return self.settings.alarm_topic
        if not self.settings.alarm_email:
            # Alarms still change state (dashboard, console) but page nobody: say so at synth.
            Annotations.of(self).add_warning_v2(
                "codeartifact-lifecycle:no-alarm-action",
                "No alarm action is configured: alarms change state but notify nobody. Set the "
                "alarm_email context key (cdk.json) or pass LifecycleSettings(alarm_topic=...).",
            )
            return None
        topic = sns.Topic(self, "AlarmTopic", display_name="codeartifact-lifecycle alarms", enforce_ssl=True)
        topic.add_subscription(subscriptions.EmailSubscription(self.settings.alarm_email))
        self._allow_cloudwatch_to_publish(topic)
        return topic

    def _allow_cloudwatch_to_publish(self, topic: sns.Topic) -> None:
        """CloudWatch alarms publish as ``cloudwatch.amazonaws.com``, which needs the topic policy.

        ``enforce_ssl`` creates a topic policy holding only its Deny statement; that policy
        replaces SNS's default one, so without this Allow an alarm fires and its notification is
        refused. Scoped to this account's alarms (confused-deputy conditions); docs/notifications.md.
        """
        stack = Stack.of(self)
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(
                            service="cloudwatch",
                            resource="alarm",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    },
                },
            )
        )

    def _alarms(self) -> list[cloudwatch.Alarm]:
        five_minutes = Duration.minutes(5)
        alarms: list[cloudwatch.Alarm] = []
        for construct_id, queue, what in (
            ("WorkDeadLetterQueueNotEmpty", self.dead_letter_queue, "work items failed 5 times"),
            (
                "RuleDeadLetterQueueNotEmpty",
                self.rule_dead_letter_queue,
                "CodeArtifact events EventBridge could not deliver",
            ),
            (
                "SweepDeadLetterQueueNotEmpty",
                self.sweep_dead_letter_queue,
                "sweep runs that failed or were not delivered",
            ),
            *(
                []
                if self.digest_dead_letter_queue is None
                else [
                    (
                        "DigestDeadLetterQueueNotEmpty",
                        self.digest_dead_letter_queue,
                        "digest runs that failed: their disposals stay unannounced",
                    )
                ]
            ),
        ):
            alarms.append(
                queue.metric_approximate_number_of_messages_visible(
                    period=five_minutes, statistic=cloudwatch.Stats.MAXIMUM
                ).create_alarm(
                    self,
                    construct_id,
                    alarm_description=f"Dead-letter queue holds {what}; inspect and redrive.",
                    threshold=0,
                    comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                    evaluation_periods=1,
                    # SQS publishes queue metrics only while a queue is active; a DLQ nobody
                    # touches goes quiet with its messages still in it. IGNORE keeps the alarm
                    # in ALARM through that silence (notBreaching would return it to OK).
                    treat_missing_data=cloudwatch.TreatMissingData.IGNORE,
                )
            )
            alarms.append(
                queue.metric_approximate_age_of_oldest_message(
                    period=Duration.hours(1), statistic=cloudwatch.Stats.MAXIMUM
                ).create_alarm(
                    self,
                    construct_id.replace("NotEmpty", "NearingRetention"),
                    alarm_description=f"The oldest message of a dead-letter queue ({what}) is "
                    f"{c.DLQ_AGE_ALARM_DAYS} days old; SQS deletes it at {c.DLQ_RETENTION_DAYS} days.",
                    threshold=c.DLQ_AGE_ALARM_DAYS * 86400,
                    comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                    evaluation_periods=1,
                    treat_missing_data=cloudwatch.TreatMissingData.IGNORE,
                )
            )
        alarms.append(
            self.work_queue.metric_approximate_age_of_oldest_message(
                period=five_minutes, statistic=cloudwatch.Stats.MAXIMUM
            ).create_alarm(
                self,
                "WorkQueueBacklogAging",
                alarm_description="The oldest work item has waited half the queue's retention; SQS "
                "drops it unseen at the full retention. Raise worker_max_concurrency or find "
                "what stops the worker.",
                threshold=c.WORK_QUEUE_AGE_ALARM_SECONDS,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
        )
        for construct_id, metric, description in (
            ("WorkerErrors", self.worker.metric_errors(period=five_minutes), "Worker invocations failed."),
            (
                "WorkerThrottles",
                self.worker.metric_throttles(period=five_minutes),
                "Worker invocations were throttled.",
            ),
            ("SweepErrors", self.sweep.metric_errors(period=five_minutes), "Sweep invocations failed."),
            *(
                []
                if self.digest is None
                else [
                    (
                        "DigestErrors",
                        self.digest.metric_errors(period=five_minutes),
                        "A digest was not delivered: the disposals it would announce stay blocked.",
                    )
                ]
            ),
            ("EvaluationErrors", self._engine_metric("EvaluationErrors"), "Package evaluations failed."),
        ):
            alarms.append(
                metric.create_alarm(
                    self,
                    construct_id,
                    alarm_description=description,
                    threshold=1,
                    comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                    evaluation_periods=1,
                    treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            )
        alarms.extend(self._silence_alarms())
        alarms.append(self._spike_alarm())
        alarms.append(self._quiet_pipeline_alarm())
        if self.alarm_topic is not None:
            action = cloudwatch_actions.SnsAction(self.alarm_topic)
            for alarm in alarms:
                alarm.add_alarm_action(action)
        return alarms

    def _spike_alarm(self) -> cloudwatch.Alarm:
        """More versions archived plus disposed in one hour than ``spike_per_hour``."""
        hour = Duration.hours(1)
        expression = cloudwatch.MathExpression(
            expression="FILL(archived, 0) + FILL(disposed, 0)",
            using_metrics={
                "archived": self._engine_metric("VersionsArchived").with_(period=hour),
                "disposed": self._engine_metric("VersionsDisposed").with_(period=hour),
            },
            period=hour,
            label="Versions archived + disposed per hour",
        )
        return expression.create_alarm(
            self,
            "ArchiveDisposeSpike",
            alarm_description=f"More than {self.settings.spike_per_hour} versions archived or disposed "
            "in one hour. Check the latest policy change; the emergency stop is in docs/deploy.md.",
            threshold=self.settings.spike_per_hour,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    def _quiet_pipeline_alarm(self) -> cloudwatch.Alarm:
        """Events reached the rules for a whole day but no package was evaluated.

        A day with neither is a quiet domain, not a fault, so the expression is 1 only when
        events arrived (rule invocations) and PackagesEvaluated stayed at zero.
        """
        day = Duration.days(1)
        invocations = {
            f"events{index}": cloudwatch.Metric(
                namespace="AWS/Events",
                metric_name="Invocations",
                dimensions_map={"RuleName": rule.rule_name},
                statistic=cloudwatch.Stats.SUM,
                period=day,
            )
            for index, rule in enumerate(self.rules.values())
        }
        arrived = " + ".join(f"FILL({name}, 0)" for name in invocations)
        expression = cloudwatch.MathExpression(
            expression=f"IF(({arrived}) > 0 AND FILL(evaluated, 0) < 1, 1, 0)",
            using_metrics={
                **invocations,
                "evaluated": self._engine_metric("PackagesEvaluated").with_(period=day),
            },
            period=day,
            label="Events arrived but no package evaluated (1 = quiet pipeline)",
        )
        return expression.create_alarm(
            self,
            "PipelineQuiet",
            alarm_description="CodeArtifact events arrived for a day but no package was evaluated: "
            "the worker is stopped, failing before evaluation, or its mapping is disabled.",
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    def _silence_alarms(self) -> list[cloudwatch.Alarm]:
        """Per domain with a stated owner: no event delivered for longer than the sweep interval.

        Such a domain may live in another account, whose events arrive only through the
        owner's forwarder; silence there means the forwarding broke and only the sweep acts.
        No data is breaching: a rule that never invoked its target publishes no datapoint.
        A domain of the deploying account is not watched: quiet there just means no publishes.
        """
        interval = min(schedule_interval_seconds(self.settings.sweep_schedule), c.MAX_SILENCE_ALARM_SECONDS)
        # One datapoint per period, at most a day long (CloudWatch's longest period).
        period = min(86400, max(3600, math.ceil(interval / 3600) * 3600))
        evaluation_periods = max(1, math.ceil(interval / period))
        alarms: list[cloudwatch.Alarm] = []
        for (domain, owner), rule in self.rules.items():
            if owner is None:
                continue
            metric = cloudwatch.Metric(
                namespace="AWS/Events",
                metric_name="Invocations",
                dimensions_map={"RuleName": rule.rule_name},
                statistic=cloudwatch.Stats.SUM,
                period=Duration.seconds(period),
            )
            alarms.append(
                metric.create_alarm(
                    self,
                    f"EventsSilent-{domain}-{owner}",
                    alarm_description=f"No CodeArtifact event of domain {domain} (owner {owner}) "
                    f"arrived for {interval // 3600} h, the sweep interval. If the domain is in "
                    "another account, check its DomainOwnerForwarder stack (docs/deploy.md).",
                    threshold=1,
                    comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
                    evaluation_periods=evaluation_periods,
                    treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
                )
            )
        return alarms

    def _engine_metric(self, name: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=c.METRICS_NAMESPACE,
            metric_name=name,
            dimensions_map={"service": c.SERVICE_NAME},
            statistic=cloudwatch.Stats.SUM,
            period=Duration.minutes(5),
        )

    def _dashboard(self) -> cloudwatch.Dashboard:
        from ca_lifecycle.observability import METRIC_NAMES

        grouped = set(c.METRICS_APPLIED + c.METRICS_PLANNED)
        if unknown := grouped - set(METRIC_NAMES):
            # A graph of a metric nobody emits would look like "nothing happened"
            raise ValueError(f"dashboard: the engine emits no metric named {sorted(unknown)}")
        others = tuple(name for name in METRIC_NAMES if name not in grouped)
        dashboard = cloudwatch.Dashboard(self, "Dashboard", default_interval=Duration.days(7))
        dashboard.add_widgets(
            *(
                cloudwatch.GraphWidget(
                    title=title, left=[self._engine_metric(name) for name in names], width=8
                )
                for title, names in (
                    ("Applied (enforce only)", c.METRICS_APPLIED),
                    ("Planned and evaluated", c.METRICS_PLANNED),
                    ("Skips, errors, duplicate and stale events", others),
                )
            )
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Worker",
                left=[
                    self.worker.metric_invocations(),
                    self.worker.metric_errors(),
                    self.worker.metric_throttles(),
                ],
                right=[self.worker.metric_duration(statistic=cloudwatch.Stats.p(99))],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Work queue",
                left=[
                    self.work_queue.metric_approximate_number_of_messages_visible(),
                    self.dead_letter_queue.metric_approximate_number_of_messages_visible(),
                    self.rule_dead_letter_queue.metric_approximate_number_of_messages_visible(),
                    self.sweep_dead_letter_queue.metric_approximate_number_of_messages_visible(),
                ],
                right=[self.work_queue.metric_approximate_age_of_oldest_message()],
                width=12,
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Ignored events (format, state or operation unknown to the engine)",
                left=[
                    self.ignored_events_queue.metric_number_of_messages_sent(statistic=cloudwatch.Stats.SUM)
                ],
                width=24,
            )
        )
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(alarms=list(self.alarms), title="Alarms", width=24)
        )
        return dashboard

    # --- cdk-nag ------------------------------------------------------------------------

    def _suppress_nag_findings(self) -> None:
        """Each AwsSolutions finding this design accepts, with the reason it is accepted."""
        NagSuppressions.add_resource_suppressions(
            self.ignored_events_queue,
            [
                NagPackSuppression(
                    id="AwsSolutions-SQS3",
                    reason="Nothing consumes this queue: it only keeps events the engine does not know "
                    "for 14 days, for a person to inspect; a DLQ would never receive anything.",
                )
            ],
        )
        NagSuppressions.add_resource_suppressions(
            self.rule_dead_letter_queue,
            [
                NagPackSuppression(
                    id="AwsSolutions-SQS3",
                    reason="This queue is itself a dead-letter queue: the EventBridge rule target's, which "
                    "cdk-nag cannot see as it only recognizes redrive policies. A DLQ of a DLQ would only "
                    "move the same messages; an alarm watches its depth.",
                )
            ],
        )
        for function in (self.worker, self.sweep, *([self.digest] if self.digest else [])):
            NagSuppressions.add_resource_suppressions(
                function,
                [
                    NagPackSuppression(
                        id="AwsSolutions-L1",
                        reason="python3.13 is the project's target runtime: the code and the pinned "
                        "Powertools v3 layer build (python313) are tested against it; a runtime upgrade "
                        "changes both together, deliberately.",
                    )
                ],
            )
        # Each wildcard named, per role: a suppression that matched nothing would silently
        # accept a wildcard someone adds later (tests/infra/test_infra_checks.py checks).
        xray = NagPackSuppression(
            id="AwsSolutions-IAM5",
            reason="X-Ray trace upload (xray:PutTraceSegments, PutTelemetryRecords), added by active "
            "tracing: these actions have no resource type, so IAM accepts only Resource *.",
            applies_to=["Resource::*"],
        )
        assert self.worker.role is not None
        assert self.sweep.role is not None
        # On each role's DefaultPolicy, where the statements are, not on the role resource.
        partition = "(<AWS::Partition>|aws[a-z-]*)"  # a token, or literal in a known region
        worker_policy = self.worker.role.node.find_child("DefaultPolicy")
        sweep_policy = self.sweep.role.node.find_child("DefaultPolicy")
        NagSuppressions.add_resource_suppressions(
            worker_policy,
            [
                *([xray] if self.settings.tracing else []),
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason="Package and repository ARNs of the policy's scopes: the package ARN embeds "
                    "repository/format/namespace/name, and reads cover every package of the policy's "
                    "repositories (ListPackages pages through them); writes are narrowed to the "
                    "policy's repository globs and package patterns (infra/scope.py).",
                    applies_to=[
                        {"regex": f"/^Resource::arn:{partition}:codeartifact:.*:package/.*$/g"},
                        {"regex": f"/^Resource::arn:{partition}:codeartifact:.*:repository/.*$/g"},
                    ],
                ),
            ],
            apply_to_children=True,
        )
        if self.settings.tracing:
            NagSuppressions.add_resource_suppressions(sweep_policy, [xray], apply_to_children=True)
        NagSuppressions.add_resource_suppressions(
            self.schedule_role.node.find_child("DefaultPolicy"),
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason="lambda:InvokeFunction on the sweep function's own qualified ARNs "
                    "(function:NAME:*), added by the Scheduler Lambda target; no other function.",
                    applies_to=[{"regex": "/^Resource::<.*Sweep[0-9A-F]+\\.Arn>:\\*$/g"}],
                )
            ],
            apply_to_children=True,
        )
        if self.digest is not None:
            self._suppress_digest_findings(xray, partition)

    def _suppress_digest_findings(self, xray: NagPackSuppression, partition: str) -> None:
        assert self.digest is not None
        assert self.digest.role is not None
        NagSuppressions.add_resource_suppressions(
            self.digest.role.node.find_child("DefaultPolicy"),
            [
                *([xray] if self.settings.tracing else []),
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason="Read-only package and repository ARNs of the policy's domains: the digest "
                    "evaluates every package in scope read-only, as the worker does (no write action).",
                    applies_to=[
                        {"regex": f"/^Resource::arn:{partition}:codeartifact:.*:package/.*$/g"},
                        {"regex": f"/^Resource::arn:{partition}:codeartifact:.*:repository/.*$/g"},
                    ],
                ),
            ],
            apply_to_children=True,
        )
        NagSuppressions.add_resource_suppressions(
            self.digest_schedule_role.node.find_child("DefaultPolicy"),
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason="lambda:InvokeFunction on the digest function's own qualified ARNs "
                    "(function:NAME:*), added by the Scheduler Lambda target; no other function.",
                    applies_to=[{"regex": "/^Resource::<.*Digest[0-9A-F]+\\.Arn>:\\*$/g"}],
                )
            ],
            apply_to_children=True,
        )
