"""The one place creating Powertools' Logger, Metrics and Tracer, and naming our metrics.

Service name and namespace come from ``POWERTOOLS_SERVICE_NAME`` / ``POWERTOOLS_METRICS_NAMESPACE``
(set by the stack); the product's own names are the fallback so local runs and tests emit
valid EMF without any setup. Metrics are only added inside handler code.
"""

from __future__ import annotations

import os
from typing import Final

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

SERVICE: Final = os.environ.get("POWERTOOLS_SERVICE_NAME", "codeartifact-lifecycle")
NAMESPACE: Final = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "CodeArtifactLifecycle")

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
tracer = Tracer(service=SERVICE)

# Metric names (alarms and dashboards refer to these).
VERSIONS_ARCHIVED: Final = "VersionsArchived"  # archive writes that succeeded
VERSIONS_DISPOSED: Final = "VersionsDisposed"  # dispose writes that succeeded
ACTIONS_SKIPPED: Final = "ActionsSkipped"  # guardrail / missing-fact skips and writes skipped on mismatch
ORIGINS_LOCKED: Final = "OriginsLocked"  # origin configurations written
EVALUATION_ERRORS: Final = "EvaluationErrors"  # packages that failed, and per-version write failures
EVENTS_DEDUPLICATED: Final = "EventsDeduplicated"  # duplicate deliveries skipped
EVENTS_STALE: Final = "EventsStale"  # events at or below the package's last sequence
EVENTS_SETTLED: Final = "EventsSettled"  # status events the ledger already knew (our own writes)
PACKAGES_EVALUATED: Final = "PackagesEvaluated"  # process_package calls that completed
# One per invocation, zero included: every invocation publishes at least this (a run that did
# nothing is a data point, and Powertools warns on an invocation with no metric at all).
RECORDS_RECEIVED: Final = "RecordsReceived"  # worker: SQS records in the batch
REPOSITORIES_ENQUEUED: Final = "RepositoriesEnqueued"  # sweep: repository pages enqueued
# Usage function (read events). UsageReadsReceived is published on every invocation, zero
# included: the ingestion-silent alarm watches it.
USAGE_READS_RECEIVED: Final = "UsageReadsReceived"
USAGE_DOWNLOADS: Final = "UsageDownloads"  # version reads that count as downloads
USAGE_READS_IGNORED: Final = "UsageReadsIgnored"  # metadata reads, own roles, ignored principals/agents
USAGE_READS_MALFORMED: Final = "UsageReadsMalformed"
USAGE_LEDGER_WRITES: Final = "UsageLedgerWrites"  # last_downloaded values written
# Worker: evaluations whose usage archive rule could not select (warm-up, silence, no feed).
USAGE_RULES_SUSPENDED: Final = "UsageRulesSuspended"
USAGE_METRIC_NAMES: Final = (
    USAGE_RULES_SUSPENDED,
    USAGE_READS_RECEIVED,
    USAGE_DOWNLOADS,
    USAGE_READS_IGNORED,
    USAGE_READS_MALFORMED,
    USAGE_LEDGER_WRITES,
)
# Planned actions are counted in both modes, so a dry-run shows what enforce would do.
ARCHIVES_PLANNED: Final = "ArchivesPlanned"
DISPOSALS_PLANNED: Final = "DisposalsPlanned"

METRIC_NAMES: Final = (
    VERSIONS_ARCHIVED,
    VERSIONS_DISPOSED,
    ACTIONS_SKIPPED,
    ORIGINS_LOCKED,
    EVALUATION_ERRORS,
    EVENTS_DEDUPLICATED,
    EVENTS_STALE,
    EVENTS_SETTLED,
    PACKAGES_EVALUATED,
    RECORDS_RECEIVED,
    REPOSITORIES_ENQUEUED,
    ARCHIVES_PLANNED,
    DISPOSALS_PLANNED,
)


def count(name: str, value: int = 1, *, keep_zero: bool = False) -> None:
    """Add ``value`` to a count metric; zero adds are dropped to keep EMF blobs small, unless
    ``keep_zero`` (the per-invocation counts, where zero is the information)."""
    if value or keep_zero:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


__all__ = ["METRIC_NAMES", "count", "logger", "metrics", "tracer"]
