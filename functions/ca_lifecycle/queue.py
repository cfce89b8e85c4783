"""Publishing work items to the SQS work queue.

SendMessageBatch takes 10 entries; a batch call can succeed while some entries fail
(``Failed``, SQS's form of FailedEntryCount), so failed entries are resent once and a second
failure raises: the caller's SQS record then fails and is retried, and since evaluation is
idempotent a re-enqueued duplicate item costs only a no-op evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

BATCH_SIZE = 10  # SendMessageBatch maximum


class QueuePublishError(RuntimeError):
    """Some messages could not be enqueued even after one retry."""

    def __init__(self, queue_url: str, failures: Sequence[tuple[str, str]]) -> None:
        detail = ", ".join(f"{code}: {message}" for code, message in failures[:3])
        super().__init__(f"{len(failures)} message(s) not enqueued to {queue_url} ({detail})")
        self.failures = list(failures)


class Publisher(Protocol):
    def send(self, items: Sequence[BaseModel]) -> int: ...


class WorkQueue:
    """Sends pydantic work items as JSON bodies; the SQS client is created on first use."""

    def __init__(self, queue_url: str, client: SQSClient | None = None) -> None:
        self.queue_url = queue_url
        self._client = client

    @property
    def client(self) -> SQSClient:
        if self._client is None:
            import boto3

            self._client = boto3.client("sqs")
        return self._client

    def send(self, items: Sequence[BaseModel]) -> int:
        """Enqueue every item (in order, 10 per call); return how many were sent."""
        bodies = [item.model_dump_json() for item in items]
        for start in range(0, len(bodies), BATCH_SIZE):
            chunk = bodies[start : start + BATCH_SIZE]
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {"Id": str(i), "MessageBody": body} for i, body in enumerate(chunk)
            ]
            failed = self._send_batch(entries)
            if failed:
                retry = [e for e in entries if e["Id"] in failed]
                still_failed = self._send_batch(retry)
                if still_failed:
                    raise QueuePublishError(self.queue_url, list(still_failed.values()))
        return len(bodies)

    def _send_batch(self, entries: list[SendMessageBatchRequestEntryTypeDef]) -> dict[str, tuple[str, str]]:
        response = self.client.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
        return {
            failure["Id"]: (failure.get("Code", "Unknown"), failure.get("Message", ""))
            for failure in response.get("Failed", [])
        }
