"""Read events: GetPackageVersionAsset and simulated package-manager traffic become
CloudTrail-shaped ReadFromRepository events the usage model accepts."""

from __future__ import annotations

from typing import Any

import pytest
from ca_emulator import Emulator
from ca_lifecycle.usage_events import parse_read
from emu_contract import DOMAIN, REPO, T0, http

pytestmark = pytest.mark.integration


def test_an_asset_download_emits_a_get_package_version_asset_read(
    emulator: Emulator, codeartifact: Any
) -> None:
    emulator.add_version(DOMAIN, REPO, "npm", "acme", "widgets", "1.0.0", published=T0)
    codeartifact.get_package_version_asset(
        domain=DOMAIN,
        repository=REPO,
        format="npm",
        namespace="acme",
        package="widgets",
        packageVersion="1.0.0",
        asset="package.tgz",
    )
    (event,) = emulator.reads
    assert event["detail"]["eventName"] == "GetPackageVersionAsset"
    assert event["detail"]["requestParameters"]["asset"] == "package.tgz"
    read = parse_read(event)
    assert (read.package.name, read.version, read.package.domain) == ("widgets", "1.0.0", DOMAIN)
    assert (read.user_agent or "").startswith("Boto3")


def test_a_failed_download_emits_nothing(emulator: Emulator, codeartifact: Any) -> None:
    emulator.add_version(DOMAIN, REPO, "npm", "acme", "widgets", "1.0.0", published=T0, status="Archived")
    with pytest.raises(codeartifact.exceptions.ConflictException):
        codeartifact.get_package_version_asset(
            domain=DOMAIN,
            repository=REPO,
            format="npm",
            namespace="acme",
            package="widgets",
            packageVersion="1.0.0",
            asset="package.tgz",
        )
    assert emulator.reads == []


def test_bulk_traffic_has_metadata_reads_and_duplicates(emulator: Emulator) -> None:
    body = {
        "reads": [
            {
                "domain": DOMAIN,
                "repository": REPO,
                "format": "npm",
                "namespace": "acme",
                "package": "widgets",
                "version": "1.0.0",
                "count": 3,
                "metadata": 2,
                "duplicates": 1,
                "time": "2026-03-01T10:00:00+00:00",
            },
            {"domain": DOMAIN, "repository": REPO, "format": "pypi", "package": "requests"},
        ]
    }
    status, answer = http(emulator.endpoint, "POST", "/_emulator/reads", body)
    assert (status, answer) == (200, {"events": 11})  # (2 metadata + 3 reads) x 2 copies + 1 metadata
    reads = [parse_read(e) for e in emulator.reads]
    assert sum(r.is_metadata for r in reads) == 5
    assert [r.version for r in reads if not r.is_metadata] == ["1.0.0"] * 6
    assert len({r.event_id for r in reads}) == 6  # every event twice, pypi's metadata read once


def test_bulk_traffic_is_validated(emulator: Emulator) -> None:
    status, answer = http(emulator.endpoint, "POST", "/_emulator/reads", {"reads": [{"domain": DOMAIN}]})
    assert status == 400
    assert answer["message"] == "reads[0].repository: required string"
