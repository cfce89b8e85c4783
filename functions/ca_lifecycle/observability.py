"""The one place creating Powertools' Logger, Metrics and Tracer, and naming our metrics.

Service name and namespace come from ``POWERTOOLS_SERVICE_NAME`` / ``POWERTOOLS_METRICS_NAMESPACE``
(set by the stack); the product's own names are the fallback so local runs and tests emit
valid EMF without any setup. Metrics are only added inside handler code.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.shared import constants
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

SERVICE: Final = os.environ.get("POWERTOOLS_SERVICE_NAME", "codeartifact-lifecycle")
NAMESPACE: Final = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "CodeArtifactLifecycle")

_Handler = TypeVar("_Handler", bound=Callable[..., Any])


def tracing_disabled() -> bool:
    """Powertools' own rule (``Tracer._is_tracer_disabled``), read from the same variables."""
    if resolve_truthy_env_var_choice(env=os.getenv(constants.TRACER_DISABLED_ENV, "false")):
        return True
    in_lambda = os.getenv(constants.LAMBDA_TASK_ROOT_ENV)
    return not in_lambda or bool(os.getenv(constants.SAM_LOCAL_ENV) or os.getenv(constants.CHALICE_LOCAL_ENV))


class LazyTracer:
    """Powertools' Tracer, created on the first traced invocation instead of at import.

    ``Tracer()`` loads the X-Ray SDK, which builds a botocore session of its own: most of what
    importing the worker cost beyond boto3, pydantic and Powertools themselves (see
    bench/cold_start_bench.py). Code that never runs a handler (tests, the CLI, the demo) never
    pays it; a traced function pays it once, on its first invocation. Where Powertools would
    disable tracing anyway (``POWERTOOLS_TRACE_DISABLED``, outside Lambda, SAM local) no Tracer is
    made at all: a disabled one still builds the SDK's recorder and its UDP socket.
    """

    def __init__(self, service: str) -> None:
        self._service = service
        self._tracer: Tracer | None = None

    @property
    def tracer(self) -> Tracer:
        if self._tracer is None:
            from aws_lambda_powertools import Tracer

            self._tracer = Tracer(service=self._service)
        return self._tracer

    def capture_lambda_handler(
        self, *, capture_response: bool | None = None, capture_error: bool | None = None
    ) -> Callable[[_Handler], _Handler]:
        """``Tracer.capture_lambda_handler(capture_response=…, capture_error=…)``, applied lazily."""

        def decorate(handler: _Handler) -> _Handler:
            traced: Callable[..., Any] | None = None

            @functools.wraps(handler)
            def wrapper(event: Any, context: Any) -> Any:
                nonlocal traced
                if traced is None:
                    traced = (
                        handler
                        if tracing_disabled()
                        else self.tracer.capture_lambda_handler(
                            handler, capture_response=capture_response, capture_error=capture_error
                        )
                    )
                return traced(event, context)

            return wrapper  # type: ignore[return-value]

        return decorate


logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
tracer = LazyTracer(service=SERVICE)

# Metric names (alarms and dashboards refer to these).
VERSIONS_ARCHIVED: Final = "VersionsArchived"  # archive writes that succeeded
VERSIONS_DISPOSED: Final = "VersionsDisposed"  # dispose writes that succeeded
ACTIONS_SKIPPED: Final = "ActionsSkipped"  # guardrail / missing-fact skips and writes skipped on mismatch
ORIGINS_LOCKED: Final = "OriginsLocked"  # origin configurations written
EVALUATION_ERRORS: Final = "EvaluationErrors"  # packages that failed, and per-version write failures
EVENTS_DEDUPLICATED: Final = "EventsDeduplicated"  # duplicate deliveries skipped
EVENTS_STALE: Final = "EventsStale"  # events at or below the package's last sequence
EVENTS_SETTLED: Final = "EventsSettled"  # status events the ledger already knew (our own writes)
EVENTS_IGNORED: Final = "EventsIgnored"  # formats/states/operations this release does not handle
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
    EVENTS_IGNORED,
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
