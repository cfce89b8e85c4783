"""Real-shaped ``CodeArtifact Package Version State Change`` events and their sinks."""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ca_emulator.names import package_arn

SOURCE = "aws.codeartifact"
DETAIL_TYPE = "CodeArtifact Package Version State Change"


@dataclass(frozen=True, slots=True)
class Changes:
    assets_added: int = 0
    assets_removed: int = 0
    assets_updated: int = 0
    metadata_updated: bool = False
    status_changed: bool = False

    def as_detail(self) -> dict[str, Any]:
        return {
            "assetsAdded": self.assets_added,
            "assetsRemoved": self.assets_removed,
            "assetsUpdated": self.assets_updated,
            "metadataUpdated": self.metadata_updated,
            "statusChanged": self.status_changed,
        }


def format_time(moment: datetime) -> str:
    """EventBridge's ``time``: ISO-8601 UTC to the second with a ``Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def package_version_event(
    *,
    account: str,
    region: str,
    domain: str,
    repository: str,
    fmt: str,
    namespace: str | None,
    name: str,
    version: str,
    state: str,
    revision: str,
    changes: Changes,
    operation: str,
    sequence: int,
    time: datetime,
) -> dict[str, Any]:
    """One event exactly as CodeArtifact delivers it to EventBridge (see CODEARTIFACT.md)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": DETAIL_TYPE,
        "source": SOURCE,
        "account": account,
        "time": format_time(time),
        "region": region,
        "resources": [package_arn(region, account, domain, repository, fmt, namespace, name)],
        "detail": {
            "domainName": domain,
            "domainOwner": account,
            "repositoryName": repository,
            "repositoryAdministrator": account,
            "packageFormat": fmt,
            "packageNamespace": namespace,
            "packageName": name,
            "packageVersion": version,
            "packageVersionState": state,
            "packageVersionRevision": revision,
            "changes": changes.as_detail(),
            "operationType": operation,
            "sequenceNumber": sequence,
            # Same look as AWS's: 32 random bytes, base64.
            "eventDeduplicationId": base64.b64encode(secrets.token_bytes(32)).decode(),
        },
    }


class SinkError(RuntimeError):
    """An EventBridge client rejected an event (FailedEntryCount > 0)."""


def deliver(sink: Callable[[dict[str, Any]], None] | Any | None, event: dict[str, Any]) -> None:
    """Send one event to a callable or an EventBridge client (``put_events``); None keeps it local."""
    if sink is None:
        return
    put_events = getattr(sink, "put_events", None)
    if put_events is None:
        sink(event)
        return
    response = put_events(
        Entries=[
            {
                "Source": event["source"],
                "DetailType": event["detail-type"],
                "Detail": json.dumps(event["detail"]),
                "Resources": event["resources"],
                "Time": datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%S%z"),
            }
        ]
    )
    if response.get("FailedEntryCount", 0):
        raise SinkError(f"EventBridge rejected the event: {response.get('Entries')}")
