"""Every fixed name, number and limit of the deployment, in one place.

Values a platform team may want to change per deployment are context keys in ``cdk.json``
(see ``infra/app.py``); the rest are decisions recorded here with the reason for each.
"""

from __future__ import annotations

from typing import Final

SERVICE_NAME: Final = "codeartifact-lifecycle"
METRICS_NAMESPACE: Final = "CodeArtifactLifecycle"
# Metric names the engine emits (ca_lifecycle.observability; Powertools Metrics with the
# dimension service=SERVICE_NAME), grouped as the dashboard shows them.
METRICS_APPLIED: Final = ("VersionsArchived", "VersionsDisposed", "OriginsLocked")
# Planned actions are counted in dry-run too: the graph a team watches before enforcing.
METRICS_PLANNED: Final = ("ArchivesPlanned", "DisposalsPlanned", "PackagesEvaluated")
# Every other name in ca_lifecycle.observability.METRIC_NAMES (skips, errors, duplicate and
# stale events ...) goes to a third graph, read from the code at synth so that a metric the
# engine adds is graphed without a change here.

# --- the Lambda asset and runtime -------------------------------------------------------
WORKER_HANDLER: Final = "ca_lifecycle.handlers.worker.handler"
SWEEP_HANDLER: Final = "ca_lifecycle.handlers.sweep.handler"
DIGEST_HANDLER: Final = "ca_lifecycle.handlers.digest.handler"
# The validated policy is bundled at the asset root, next to the ca_lifecycle package: a
# policy easily outgrows Lambda's 4 KB environment limit, a file does not.
POLICY_FILE_NAME: Final = "policy.json"
ASSET_STAGING_DIR: Final = "build/lambda-asset"

# Public Powertools for AWS Lambda (Python) v3 layer: it carries powertools, pydantic v2 and
# aws-xray-sdk, built per Python version and architecture; boto3 comes with the runtime. So
# the asset is our own pure-Python package and synth needs neither Docker nor pip.
# Chosen over bundling arm64 wheels into the asset: no cold-start comparison is possible without
# an AWS account (none is reachable from here), and the layer keeps synth free of pip and of
# platform wheels; a region without the layer fails synth (or deploy) with a message instead.
# Version 27 is the newest listed in the Powertools docs when this was written; bump it
# deliberately (the layer is immutable per version, so a deploy never changes under us).
POWERTOOLS_LAYER_VERSION: Final = 27
POWERTOOLS_PYTHON_TAG: Final = "python313"
# arm64 (Graviton): about 20 % cheaper per GB-second than x86_64 for the same work, and this
# workload is I/O-bound pure Python whose only native code (pydantic-core) comes from the
# layer's arm64 build. Nothing in the asset is architecture-specific.
POWERTOOLS_LAYER_ARCH: Final = "arm64"
# The account publishing the layer in each region, from the Powertools install docs (arm64
# list; the python313-arm64 build is absent from ca-west-1). The partition comes from the
# stack, never from this table. A region missing here has no public layer: pass
# ``powertools_layer_arn`` (e.g. a copy in your own account) to deploy there.
_COMMERCIAL_LAYER_REGIONS = (
    "af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
    "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
    "ap-southeast-5", "ap-southeast-7", "ca-central-1", "eu-central-1", "eu-central-2", "eu-north-1",
    "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1",
    "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
)  # fmt: skip
POWERTOOLS_LAYER_ACCOUNTS: Final[dict[str, str]] = {
    **dict.fromkeys(_COMMERCIAL_LAYER_REGIONS, "017000801446"),
    "cn-north-1": "498634801083",
    "us-gov-east-1": "165087284144",
    "us-gov-west-1": "165093116878",
}
# What the pinned layer carries, as version prefixes the dev venv must match
# (tests/infra/test_infra_versions.py), so the tests exercise the libraries Lambda loads.
# The layer is built from one Powertools v3 release, with pydantic v2 resolved at build time;
# its exact versions are not listed in the Powertools docs, so the prefixes are the majors.
# Read the exact ones when bumping POWERTOOLS_LAYER_VERSION: ``aws lambda
# get-layer-version-by-arn --arn ARN`` returns ``Content.Location``, a zip whose ``python/``
# folder holds the ``*.dist-info`` directories; then tighten these prefixes (e.g. "3.24").
LAYER_LIBRARY_VERSIONS: Final[dict[str, str]] = {
    "aws-lambda-powertools": "3",
    "pydantic": "2",
}

WORKER_TIMEOUT_SECONDS: Final = 300
WORKER_MEMORY_MB: Final = 512
SWEEP_TIMEOUT_SECONDS: Final = 300
SWEEP_MEMORY_MB: Final = 256
# The digest evaluates every package of its domains read-only, as a sweep of workers would.
DIGEST_TIMEOUT_SECONDS: Final = 900
DIGEST_MEMORY_MB: Final = 512
# Daily at 08:00 UTC: before the 03:00 sweep of the next day, during working hours in Europe.
DEFAULT_DIGEST_SCHEDULE: Final = "cron(0 8 * * ? *)"
DEFAULT_DIGEST_WITHIN: Final = "7d"
# CodeArtifact storage, per GB-month (AWS pricing page, us-east-1); cdk.json price_per_gb_month.
DEFAULT_PRICE_PER_GB_MONTH: Final = 0.05
# EventBridge Scheduler invokes the sweep asynchronously; Lambda retries a failed run this
# many times before sending the event to the sweep DLQ.
SWEEP_ASYNC_RETRY_ATTEMPTS: Final = 2

# --- the work queue -----------------------------------------------------------------------
BATCH_SIZE: Final = 10
MAX_BATCHING_WINDOW_SECONDS: Final = 5
# AWS's guidance for SQS event sources: visibility timeout at least six times the function
# timeout (plus the batching window), so throttled retries of a batch don't redeliver it.
VISIBILITY_TIMEOUT_FACTOR: Final = 6
MAX_RECEIVE_COUNT: Final = 5
WORK_QUEUE_RETENTION_DAYS: Final = 4
DLQ_RETENTION_DAYS: Final = 14
# A dead-letter message this old alarms: four days left to redrive it before SQS deletes it.
DLQ_AGE_ALARM_DAYS: Final = 10
# Default for the archive/dispose spike alarm (cdk.json ``spike_per_hour``): versions archived
# plus disposed in one hour. A steady daily sweep of a large domain stays far below once its
# backlog is worked off; the first enforce run of a big domain may need a higher value.
DEFAULT_SPIKE_PER_HOUR: Final = 1000
# SQS deletes a message older than the retention period without a trace (no DLQ): a backlog
# the worker cannot drain (quota-bound concurrency, a huge first sweep, a disabled mapping)
# must alarm while the oldest item still has half its retention left.
WORK_QUEUE_AGE_ALARM_SECONDS: Final = WORK_QUEUE_RETENTION_DAYS * 86400 // 2
# Lambda's maximum-concurrency bounds for SQS event sources. 2 keeps CodeArtifact's ~100
# writes/s account quota for everybody else: each worker issues its writes in sequence.
MIN_WORKER_CONCURRENCY: Final = 2
MAX_WORKER_CONCURRENCY: Final = 1000
DEFAULT_WORKER_CONCURRENCY: Final = 2

# --- events and schedule -----------------------------------------------------------------
EVENT_SOURCE: Final = "aws.codeartifact"
EVENT_DETAIL_TYPE: Final = "CodeArtifact Package Version State Change"
# What the rule lets through: the formats, version states and operations the engine knows
# (ca_lifecycle.events; a test keeps the two equal). An event of a format or state added to
# CodeArtifact later is not matched: it never reaches the worker, so it is not retried into
# the DLQ and pages nobody; the sweep covers such packages once the code knows them. Deletes carry
# an undocumented state, so they are matched by operationType instead.
EVENT_PACKAGE_FORMATS: Final = ("cargo", "generic", "maven", "npm", "nuget", "pypi", "ruby", "swift")
EVENT_VERSION_STATES: Final = ("Archived", "Disposed", "Published", "Unfinished", "Unlisted")
EVENT_CHANGE_OPERATIONS: Final = ("Created", "Updated")
EVENT_DELETE_OPERATION: Final = "Deleted"
# EventBridge's own maxima: CodeArtifact events are the primary signal, keep trying to hand
# them to SQS for as long as EventBridge allows before they go to the rule's DLQ.
RULE_TARGET_MAX_EVENT_AGE_HOURS: Final = 24
RULE_TARGET_RETRY_ATTEMPTS: Final = 185
# Daily at 03:00 UTC by default (quiet hours for most teams). Any Scheduler expression works.
DEFAULT_SWEEP_SCHEDULE: Final = "cron(0 3 * * ? *)"
SCHEDULE_RETRY_ATTEMPTS: Final = 3
SCHEDULE_MAX_EVENT_AGE_HOURS: Final = 6
SWEEP_INPUT: Final = {"kind": "sweep"}
# A domain whose rule delivered nothing for this long (at least the sweep interval) alarms:
# for a domain in another account that usually means the owner's forwarding broke.
MAX_SILENCE_ALARM_SECONDS: Final = 7 * 86400  # CloudWatch's longest evaluation range

# --- ledger and logs -----------------------------------------------------------------------
LEDGER_PARTITION_KEY: Final = "pk"
LEDGER_SORT_KEY: Final = "sk"
LEDGER_TTL_ATTRIBUTE: Final = "expires_at"
LOG_RETENTION_DAYS: Final = 30
DEFAULT_LOG_LEVEL: Final = "INFO"

# --- IAM -----------------------------------------------------------------------------------
# The ledger calls the worker makes (ca_lifecycle.ledger.dynamodb): GetItem (last sequence,
# claimed events), PutItem (event claims, write intents), UpdateItem (evaluation records),
# BatchWriteItem (version records), Query (a package's records), DeleteItem (settled write
# intents). Not CDK's grant_read_write_data, which adds Scan, BatchGetItem,
# ConditionCheckItem, DescribeTable and stream reads nobody makes.
LEDGER_ACTIONS: Final = (
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
)
# The digest's ledger calls: Query (package records, runs, last digest), GetItem (single
# versions), BatchWriteItem (noticed versions), PutItem (the digest record).
DIGEST_LEDGER_ACTIONS: Final = (
    "dynamodb:BatchWriteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
)
# Read actions, by the resource type the Service Authorization Reference gives each.
CODEARTIFACT_REPOSITORY_READ: Final = ("codeartifact:ListPackages",)
CODEARTIFACT_PACKAGE_READ: Final = (
    "codeartifact:DescribePackage",
    "codeartifact:DescribePackageVersion",
    "codeartifact:ListPackageVersions",
)
CODEARTIFACT_DOMAIN_READ: Final = ("codeartifact:ListRepositoriesInDomain",)
# Granted only when the policy's mode is enforce; absent from the role in dry-run.
CODEARTIFACT_PACKAGE_WRITE: Final = (
    "codeartifact:DisposePackageVersions",
    "codeartifact:PutPackageOriginConfiguration",
    "codeartifact:UpdatePackageVersionsStatus",
)

# --- usage ingestion (issue 14; deployed only when the policy has usage rules) -------------
USAGE_HANDLER: Final = "ca_lifecycle.handlers.usage.handler"
USAGE_TIMEOUT_SECONDS: Final = 120
USAGE_MEMORY_MB: Final = 512
# CloudTrail read events of the policy's domains (docs/usage.md): delivered only to rules in
# this state; the API spells both the package-manager read and the direct asset download.
USAGE_RULE_STATE: Final = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
USAGE_DETAIL_TYPE: Final = "AWS API Call via CloudTrail"
USAGE_EVENT_SOURCE: Final = "codeartifact.amazonaws.com"
USAGE_EVENT_NAMES: Final = ("GetPackageVersionAsset", "ReadFromRepository")
# Large batches: reads are aggregated per (version, day) before any write, so a bigger batch
# means fewer writes. 1,000 with a 30 s window (batches above 10 need a window).
USAGE_BATCH_SIZE: Final = 1000
USAGE_MAX_BATCHING_WINDOW_SECONDS: Final = 30
USAGE_MAX_CONCURRENCY: Final = 2
# The one DynamoDB call the usage function makes (record_usage / record_ingestion).
USAGE_LEDGER_ACTIONS: Final = ("dynamodb:UpdateItem",)
