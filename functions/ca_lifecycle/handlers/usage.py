"""Usage Lambda (SQS event source, large batches, ReportBatchItemFailures): CloudTrail read
events → ``ca_lifecycle.app.usage.UsageIngest``. Wiring, metrics and logs only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from ca_lifecycle import observability as obs
from ca_lifecycle.observability import logger, metrics, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from ca_lifecycle.app.usage import UsageIngest

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
_ingest: UsageIngest | None = None


class ReadNotIngestedError(RuntimeError):
    """This record's read could not be ingested (malformed, or its ledger write failed)."""


def build_ingest() -> UsageIngest:
    from ca_lifecycle.app.usage import UsageIngest, own_role_globs
    from ca_lifecycle.config import load_usage_settings
    from ca_lifecycle.ledger import DynamoDBLedger
    from ca_lifecycle.policy import load_policy

    settings = load_usage_settings()
    return UsageIngest(
        DynamoDBLedger(settings.ledger_table),
        load_policy(settings.policy_path),
        own_principals=own_role_globs(settings.role_names),
    )


def set_ingest(ingest: UsageIngest | None) -> None:
    """Replace the cached use case (``None`` = rebuild from the environment on next use)."""
    global _ingest  # noqa: PLW0603 - one per execution environment: its memo spans batches
    _ingest = ingest


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    global _ingest  # noqa: PLW0603
    if _ingest is None:
        _ingest = build_ingest()
    records = event.get("Records", [])
    obs.count(obs.USAGE_READS_RECEIVED, len(records), keep_zero=True)
    report = _ingest.ingest([(r.get("messageId", ""), r.get("body", "")) for r in records])
    obs.count(obs.USAGE_DOWNLOADS, report.downloads)
    obs.count(obs.USAGE_READS_IGNORED, report.metadata + report.ignored + report.out_of_scope)
    obs.count(obs.USAGE_READS_MALFORMED, report.malformed)
    obs.count(obs.USAGE_LEDGER_WRITES, report.version_writes)
    logger.info(
        "usage batch",
        extra={
            "received": report.received,
            "downloads": report.downloads,
            "metadata": report.metadata,
            "ignored": report.ignored,
            "out_of_scope": report.out_of_scope,
            "malformed": report.malformed,
            "pairs": report.pairs,
            "version_writes": report.version_writes,
            "failed": len(report.failed),
        },
    )
    failed = set(report.failed)

    def settle(record: SQSRecord) -> None:
        if record.message_id in failed:
            raise ReadNotIngestedError(record.message_id)

    return process_partial_response(event=event, record_handler=settle, processor=processor, context=context)
