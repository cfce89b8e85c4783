"""SNS edge: deliver a digest as plain text to people and as JSON to machines.

One Publish with ``MessageStructure=json`` (SNS Publish API): e-mail subscribers receive the
``email`` text, SQS / Lambda / HTTPS subscribers the full JSON document, everything else the
``default`` text. The message stays under SNS's 256 KiB limit: the JSON copy is trimmed
(``fit_for_sns``) and says so. The boto3 client is created on first use (after moto in tests).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

_MACHINE_PROTOCOLS = ("sqs", "lambda", "https")
# SNS Publish: the whole Message (every protocol's copy) is at most 256 KiB (262,144 bytes) by
# default. The e-mail text is capped, the JSON copies share what is left, with room for the
# escaping one JSON string inside another adds (botocore's SNS model, PublishInput.Message).
MAX_MESSAGE_BYTES = 262_144
MAX_TEXT_BYTES = 32_000
_ESCAPING_MARGIN = 1.5


class NotifyError(RuntimeError):
    """SNS did not accept the digest; nothing it announced counts as noticed."""


class SnsNotifier:
    def __init__(self, topic_arn: str, client: Any = None) -> None:
        if not topic_arn.startswith("arn:"):
            raise ValueError(f"DIGEST_TOPIC_ARN: expected an SNS topic ARN, got {topic_arn!r}")
        self.topic_arn = topic_arn
        self._client = client

    @property
    def client(self) -> Any:  # no SNS stubs in the dev set; the calls are checked by the tests
        if self._client is None:
            import boto3

            self._client = boto3.client("sns")
        return self._client

    def publish(self, subject: str, text: str, document: Mapping[str, Any]) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        from ca_lifecycle.app.digest import fit_for_sns

        if len(text.encode()) > MAX_TEXT_BYTES:
            text = (
                text.encode()[:MAX_TEXT_BYTES].decode(errors="ignore")
                + "\n… (cut; the JSON copy lists all)\n"
            )
        budget = (MAX_MESSAGE_BYTES - 4_096 - 2 * len(text.encode())) / len(_MACHINE_PROTOCOLS)
        machine = json.dumps(fit_for_sns(document, int(budget / _ESCAPING_MARGIN)), sort_keys=True)
        body = {"default": text, "email": text, **dict.fromkeys(_MACHINE_PROTOCOLS, machine)}
        message = json.dumps(body)
        if len(message.encode()) > MAX_MESSAGE_BYTES:
            raise NotifyError(f"digest is {len(message.encode())} bytes, above SNS's {MAX_MESSAGE_BYTES}")
        # Subjects: under 100 characters, no line breaks (PublishInput.Subject).
        subject = " ".join(subject.split())[:99]
        try:
            response = self.client.publish(
                TopicArn=self.topic_arn,
                Subject=subject,
                Message=message,
                MessageStructure="json",
            )
        except (BotoCoreError, ClientError) as exc:
            raise NotifyError(f"SNS Publish to {self.topic_arn} failed: {exc}") from exc
        message_id = response.get("MessageId")
        if not message_id:
            raise NotifyError(f"SNS Publish to {self.topic_arn} returned no MessageId")
        return str(message_id)
