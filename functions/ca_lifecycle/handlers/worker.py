"""Worker Lambda (SQS event source, ReportBatchItemFailures): wiring only; see ``batch.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from ca_lifecycle import observability as obs
from ca_lifecycle.handlers import _dependencies
from ca_lifecycle.handlers.batch import WorkerBatch
from ca_lifecycle.observability import logger, metrics, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

# Every record's failure is reported individually, even when all of a batch fail.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    records = event.get("Records", [])
    obs.count(obs.RECORDS_RECEIVED, len(records), keep_zero=True)
    batch = WorkerBatch(
        records,
        _dependencies(),
        remaining_ms=getattr(context, "get_remaining_time_in_millis", None),
    )
    batch.run()
    return process_partial_response(
        event=event, record_handler=batch.settle, processor=processor, context=context
    )
