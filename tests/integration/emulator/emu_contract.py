"""Constants and helpers of the emulator contract suite (imported by the tests, not a test)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

from mypy_boto3_codeartifact import CodeArtifactClient

ACCOUNT = "111122223333"
REGION = "us-east-1"
DOMAIN = "acme"
REPO = "release"
# A fixed, tz-aware origin for seeded publish times, so expectations are exact.
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def ns(namespace: str | None) -> dict[str, str]:
    """boto3 rejects ``namespace=None``: pass the parameter only when there is one."""
    return {} if namespace is None else {"namespace": namespace}


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def list_all_versions(
    client: CodeArtifactClient,
    fmt: str,
    namespace: str | None,
    package: str,
    *,
    page_size: int = 1000,
    **filters: Any,
) -> list[dict[str, Any]]:
    """Every version summary of one package, following nextToken by hand."""
    out: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {
            "domain": DOMAIN,
            "repository": REPO,
            "format": fmt,
            "package": package,
            "maxResults": page_size,
            **ns(namespace),
            **filters,
        }
        if token:
            kwargs["nextToken"] = token
        page = client.list_package_versions(**kwargs)
        out.extend(dict(v) for v in page["versions"])
        token = page.get("nextToken")
        if not token:
            return out


def statuses(client: CodeArtifactClient, fmt: str, namespace: str | None, package: str) -> dict[str, str]:
    """version -> status, as ListPackageVersions (no status filter) reports them."""
    return {v["version"]: v["status"] for v in list_all_versions(client, fmt, namespace, package)}


def revisions(client: CodeArtifactClient, fmt: str, namespace: str | None, package: str) -> dict[str, str]:
    return {v["version"]: v["revision"] for v in list_all_versions(client, fmt, namespace, package)}


def http(endpoint: str, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    """A raw HTTP call (no botocore) returning (status, parsed JSON body or None)."""
    status, _, document = http_with_headers(endpoint, method, path, body)
    return status, document


def http_with_headers(
    endpoint: str, method: str, path: str, body: dict[str, Any] | None = None
) -> tuple[int, dict[str, str], Any]:
    """A raw HTTP call returning (status, lower-cased headers, parsed JSON body or None)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(endpoint + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, headers, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        status, headers, raw = err.code, dict(err.headers), err.read()
    return status, {k.lower(): v for k, v in headers.items()}, (json.loads(raw) if raw else None)
