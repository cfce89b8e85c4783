"""Worker Lambda (SQS event source, ReportBatchItemFailures): wiring, metrics and logs only;
the use case is ``ca_lifecycle.app.worker``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from ca_lifecycle import observability as obs
from ca_lifecycle.app.outcomes import OutcomeKind
from ca_lifecycle.app.worker import BatchReport, WorkerBatch
from ca_lifecycle.facts import Action
from ca_lifecycle.handlers import _dependencies
from ca_lifecycle.observability import logger, metrics, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from ca_lifecycle.app.package import PackageResult

# Every record's failure is reported individually, even when all of a batch fail.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
# Decisions logged per package at most (a 5,000-version package must not flood the log).
_LOGGED_DECISIONS = 100


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    records = event.get("Records", [])
    obs.count(obs.RECORDS_RECEIVED, len(records), keep_zero=True)
    deps = _dependencies()
    batch = WorkerBatch(
        records,
        deps,
        remaining_ms=getattr(context, "get_remaining_time_in_millis", None),
    )
    report = batch.run()
    _publish(report)
    _record_run(report, deps)

    def settle(record: SQSRecord) -> None:
        batch.settle(record.message_id)

    return process_partial_response(event=event, record_handler=settle, processor=processor, context=context)


def _record_run(report: BatchReport, deps: Any) -> None:
    """A batch that wrote something leaves a run record (``ca-lifecycle report`` reads them)."""
    from ca_lifecycle.app.runs import build_run, record_run

    run = build_run(report.results, trigger="worker", document=deps.document, now=deps.clock())
    if record_run(deps.ledger, run):
        assert run is not None
        logger.info("run recorded", extra={"run_id": run.run_id, "counts": run.counts()})


def _publish(report: BatchReport) -> None:
    obs.count(obs.EVENTS_DEDUPLICATED, report.deduplicated)
    obs.count(obs.EVENTS_STALE, report.stale)
    obs.count(obs.EVENTS_SETTLED, report.settled)
    obs.count(obs.EVALUATION_ERRORS, report.failed_packages)
    obs.count(obs.EVENTS_IGNORED, report.ignored)
    for result in report.results:
        _report(result)


def _report(result: PackageResult) -> None:
    """Metrics and one log line per evaluated package (decisions included in dry-run)."""
    evaluation = result.evaluation
    archive = {d.version for d in evaluation.actions(Action.ARCHIVE)}
    dispose = {d.version for d in evaluation.actions(Action.DISPOSE)}
    done = {v for v, outcome in result.outcomes.items() if outcome.done}
    skipped_writes = sum(1 for o in result.outcomes.values() if o.kind is OutcomeKind.SKIPPED)
    failed_writes = sum(1 for o in result.outcomes.values() if o.failed)
    origin = result.origin_outcome
    obs.count(obs.PACKAGES_EVALUATED)
    obs.count(obs.USAGE_RULES_SUSPENDED, 1 if evaluation.usage_suspended else 0)
    obs.count(obs.ARCHIVES_PLANNED, len(archive))
    obs.count(obs.DISPOSALS_PLANNED, len(dispose))
    obs.count(obs.VERSIONS_ARCHIVED, len(done & archive))
    obs.count(obs.VERSIONS_DISPOSED, len(done & dispose))
    obs.count(obs.ACTIONS_SKIPPED, len(evaluation.actions(Action.SKIP)) + skipped_writes)
    obs.count(obs.ORIGINS_LOCKED, 1 if origin is not None and origin.done else 0)
    obs.count(obs.EVALUATION_ERRORS, failed_writes + (1 if origin is not None and origin.failed else 0))
    acted = [
        {"version": d.version, "status": d.status.value, "action": d.action.value, "reason": d.reason}
        for d in evaluation.decisions
        if d.action in (Action.ARCHIVE, Action.DISPOSE, Action.SKIP)
    ]
    logger.info(
        "package evaluated",
        extra={
            "package": evaluation.package.display(),
            "policy": evaluation.policy_id,
            "applied": result.applied,
            "versions": len(evaluation.decisions),
            "archive": len(archive),
            "dispose": len(dispose),
            "done": len(done),
            "skipped_writes": skipped_writes,
            "failed_writes": failed_writes,
            "origin": None if origin is None else str(origin),
            "describes": result.describes,
            "recovered_from_intents": result.recovered,
            "holds_added": {v: h.reason for v, h in result.holds_added.items()},
            "decisions": acted[:_LOGGED_DECISIONS],
            "decisions_truncated": max(0, len(acted) - _LOGGED_DECISIONS),
            "outcomes": {v: str(o) for v, o in result.outcomes.items() if not o.done},
        },
    )
