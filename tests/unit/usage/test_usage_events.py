"""The CloudTrail read-event model: what counts as a download, and errors that name the field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from ca_emulator.reads import read_event
from ca_lifecycle.usage_events import UsageEventError, parse_read

T0 = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


def _event(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "account": "111122223333",
        "region": "us-east-1",
        "domain": "acme",
        "repository": "release",
        "fmt": "npm",
        "namespace": "acme",
        "name": "widgets",
        "version": "1.0.0",
        "time": T0,
    }
    base.update(changes)
    return read_event(**base)


def test_a_version_read_is_a_download_of_that_version() -> None:
    read = parse_read(_event(event_id="e-1"))
    assert read.version == "1.0.0"
    assert read.package.display() == "acme/release/npm/acme/widgets"
    assert read.package.domain_owner == "111122223333"
    assert read.at == T0
    assert read.event_id == "e-1"
    assert read.principal_arn == "arn:aws:sts::111122223333:assumed-role/ci-build/session"
    assert not read.is_metadata


def test_a_read_without_a_version_is_metadata() -> None:
    read = parse_read(_event(version=None))
    assert read.is_metadata
    assert read.version is None


def test_the_api_spelling_of_get_package_version_asset_is_accepted() -> None:
    event = _event(event_name="GetPackageVersionAsset")
    params = event["detail"]["requestParameters"]
    event["detail"]["requestParameters"] = {
        "domain": params["domainName"],
        "domainOwner": params["domainOwner"],
        "repository": params["repositoryName"],
        "format": params["packageFormat"],
        "namespace": params["packageNamespace"],
        "package": params["packageName"],
        "packageVersion": "1.0.0",
        "asset": "widgets-1.0.0.tgz",
    }
    read = parse_read(event)
    assert (read.package.name, read.version) == ("widgets", "1.0.0")


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e["detail"].pop("eventTime"), "detail.eventTime"),
        (lambda e: e["detail"].update(eventTime="2026-03-01T12:30:00"), "detail.eventTime"),
        (lambda e: e["detail"]["requestParameters"].update(packageFormat="rpm"), "packageFormat"),
        (lambda e: e["detail"]["requestParameters"].pop("repositoryName"), "repositoryName"),
        (lambda e: e["detail"].update(eventName="PublishPackageVersion"), "detail.eventName"),
        (lambda e: e.update(source="aws.s3"), "source"),
        (lambda e: e["detail"]["requestParameters"].update(domainOwner="12"), "domainOwner"),
        (lambda e: e["detail"]["requestParameters"].pop("packageName"), "packageName"),
    ],
)
def test_a_malformed_event_fails_naming_the_field(mutate: Any, field: str) -> None:
    event = _event()
    mutate(event)
    with pytest.raises(UsageEventError, match=field.replace(".", r"\.")):
        parse_read(event)


def test_extra_cloudtrail_fields_are_ignored() -> None:
    event = _event()
    event["detail"]["tlsDetails"] = {"tlsVersion": "TLSv1.3"}
    event["detail"]["requestParameters"]["extra"] = 1
    assert parse_read(event).version == "1.0.0"
