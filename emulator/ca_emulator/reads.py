"""CloudTrail-shaped ``ReadFromRepository`` / ``GetPackageVersionAsset`` events, as EventBridge
delivers CodeArtifact's CloudTrail records (``detail-type: AWS API Call via CloudTrail``).

The field names follow the issue's description of the record; docs/usage.md says which of
them AWS documents. Metadata reads (packuments, simple index) carry no ``packageVersion``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from ca_emulator.events import format_time

CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail"
DEFAULT_USER_AGENT = "npm/10.8.1 node/v20.18.0 linux x64"


def read_event(
    *,
    account: str,
    region: str,
    domain: str,
    repository: str,
    fmt: str,
    namespace: str | None,
    name: str,
    version: str | None,
    time: datetime,
    event_name: str = "ReadFromRepository",
    principal_arn: str | None = None,
    user_agent: str = DEFAULT_USER_AGENT,
    event_id: str | None = None,
    request_uri: str | None = None,
) -> dict[str, Any]:
    arn = principal_arn or f"arn:aws:sts::{account}:assumed-role/ci-build/session"
    parameters: dict[str, Any] = {
        "domainName": domain,
        "domainOwner": account,
        "repositoryName": repository,
        "packageFormat": fmt,
        "packageNamespace": namespace,
        "packageName": name,
    }
    if version is not None:
        parameters["packageVersion"] = version
    ident = event_id or str(uuid.uuid4())
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": CLOUDTRAIL_DETAIL_TYPE,
        "source": "aws.codeartifact",
        "account": account,
        "time": format_time(time),
        "region": region,
        "resources": [],
        "detail": {
            "eventVersion": "1.08",
            "userIdentity": {
                "type": "AssumedRole",
                "principalId": f"AROAEXAMPLE:{arn.rsplit('/', 1)[-1]}",
                "arn": arn,
            },
            "eventTime": format_time(time),
            "eventSource": "codeartifact.amazonaws.com",
            "eventName": event_name,
            "awsRegion": region,
            "sourceIPAddress": "192.0.2.10",
            "userAgent": user_agent,
            "requestParameters": parameters,
            "responseElements": None,
            "additionalEventData": {
                "requestUri": request_uri
                or f"/{fmt}/{repository}/{name}" + (f"/{version}" if version else ""),
                "httpMethod": "GET",
            },
            "requestID": str(uuid.uuid4()),
            "eventID": ident,
            "readOnly": True,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": account,
            "eventCategory": "Management",
        },
    }
