"""Events (shape, sequence, sinks), faults and the introspection endpoints, without sockets."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from ca_emulator import Emulator, Faults
from emulator_unit_helpers import Call, at

PKG = {"domain": "acme", "repository": "release", "format": "npm", "package": "w"}


def test_event_has_every_detail_field_of_the_real_one(emu: Emulator) -> None:
    revision = emu.add_version("acme", "release", "npm", None, "w", "1.0.0", published=at(0), emit_event=True)
    (event,) = emu.events
    assert event["source"] == "aws.codeartifact"
    assert event["detail-type"] == "CodeArtifact Package Version State Change"
    assert event["resources"] == ["arn:aws:codeartifact:us-east-1:111122223333:package/acme/release/npm//w"]
    assert event["time"] == "2025-01-07T22:40:00Z"  # the emulator's clock, at(10_000)
    detail = event["detail"]
    assert detail == {
        "domainName": "acme",
        "domainOwner": "111122223333",
        "repositoryName": "release",
        "repositoryAdministrator": "111122223333",
        "packageFormat": "npm",
        "packageNamespace": None,
        "packageName": "w",
        "packageVersion": "1.0.0",
        "packageVersionState": "Published",
        "packageVersionRevision": revision,
        "changes": {
            "assetsAdded": 1,
            "assetsRemoved": 0,
            "assetsUpdated": 0,
            "metadataUpdated": True,
            "statusChanged": True,
        },
        "operationType": "Created",
        "sequenceNumber": 1,
        "eventDeduplicationId": detail["eventDeduplicationId"],
    }
    # The API's revisions are base64 of 32 bytes, e.g. "+Oz8skWbwY3k8M6SrNIqNj6bVH/ax+CxvkJx+No5j8I="
    # (https://docs.aws.amazon.com/codeartifact/latest/ug/update-package-version-status.html).
    assert len(base64.b64decode(revision, validate=True)) == 32
    assert len(revision) == 44


def test_sequence_numbers_increase_per_package_and_dedup_ids_are_fresh(emu: Emulator, call: Call) -> None:
    for name in ("w", "w", "other"):
        emu.add_version("acme", "release", "npm", None, name, f"1.0.{len(emu.events)}", emit_event=True)
    call("UpdatePackageVersionsStatus", **PKG, versions=["1.0.0"], targetStatus="Unlisted")
    by_package = [(e["detail"]["packageName"], e["detail"]["sequenceNumber"]) for e in emu.events]
    assert by_package == [("w", 1), ("w", 2), ("other", 1), ("w", 3)]
    assert len({e["detail"]["eventDeduplicationId"] for e in emu.events}) == 4


def test_generic_publish_two_step_emits_created_then_updated(emu: Emulator, call: Call) -> None:
    def publish(content: bytes, *, unfinished: bool, asset: str) -> dict[str, Any]:
        query = (
            f"/v1/package/version/publish?domain=acme&repository=release&format=generic&namespace=tools"
            f"&package=cli&version=1.0.0&asset={asset}&unfinished={'true' if unfinished else 'false'}"
        )
        headers = {"x-amz-content-sha256": hashlib.sha256(content).hexdigest()}
        status, _, body = emu.handle("POST", query, headers, content)
        assert status == 200, body
        result: dict[str, Any] = json.loads(body)
        return result

    first = publish(b"one", unfinished=True, asset="a.bin")
    second = publish(b"two", unfinished=False, asset="b.bin")
    assert (first["status"], second["status"]) == ("Unfinished", "Published")
    assert first["versionRevision"] != second["versionRevision"]  # new asset, new revision
    assert [(e["detail"]["operationType"], e["detail"]["packageVersionState"]) for e in emu.events] == [
        ("Created", "Unfinished"),
        ("Updated", "Published"),
    ]
    _, assets = call(
        "ListPackageVersionAssets",
        domain="acme",
        repository="release",
        format="generic",
        namespace="tools",
        package="cli",
        packageVersion="1.0.0",
    )
    assert [(a["name"], a["size"]) for a in assets["assets"]] == [("a.bin", 3), ("b.bin", 3)]
    assert assets["versionRevision"] == second["versionRevision"]
    # Published versions cannot take more assets.
    status, headers, _ = emu.handle(
        "POST",
        "/v1/package/version/publish?domain=acme&repository=release&format=generic&namespace=tools"
        "&package=cli&version=1.0.0&asset=c.bin",
        {"x-amz-content-sha256": hashlib.sha256(b"3").hexdigest()},
        b"3",
    )
    assert (status, headers["x-amzn-ErrorType"]) == (409, "ConflictException")


def test_publish_with_a_wrong_sha256_is_refused(emu: Emulator) -> None:
    status, _, body = emu.handle(
        "POST",
        "/v1/package/version/publish?domain=acme&repository=release&format=generic&namespace=t&package=p&version=1&asset=a",
        {"x-amz-content-sha256": "0" * 64},
        b"data",
    )
    assert status == 400
    assert b"SHA256" in body


def test_sinks_receive_events_callable_and_put_events() -> None:
    received: list[dict[str, Any]] = []
    Emulator(event_sink=received.append).add_version("acme", "r1", "npm", None, "w", "1", emit_event=True)
    assert len(received) == 1

    class FakeEventBridge:
        def __init__(self, failed: int) -> None:
            self.failed = failed
            self.entries: list[dict[str, Any]] = []

        def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803 - boto3's name
            self.entries += Entries
            return {"FailedEntryCount": self.failed, "Entries": [{"ErrorCode": "X"}] * self.failed}

    ok = FakeEventBridge(0)
    Emulator(event_sink=ok).add_version("acme", "r1", "npm", "s", "w", "1", emit_event=True)
    (entry,) = ok.entries
    assert (entry["Source"], entry["DetailType"]) == (
        "aws.codeartifact",
        "CodeArtifact Package Version State Change",
    )
    assert json.loads(entry["Detail"])["packageNamespace"] == "s"

    failing = Emulator(event_sink=FakeEventBridge(1))
    failing.add_version("acme", "r1", "npm", None, "w", "1", emit_event=True)
    assert len(failing.sink_errors) == 1  # recorded, the operation itself still succeeded
    assert failing.version_status("acme", "r1", "npm", None, "w", "1") == "Published"


def test_seeding_emits_no_events(emu: Emulator) -> None:
    emu.add_version("acme", "release", "npm", None, "w", "1.0.0")
    emu.add_versions("acme", "release", "npm", None, "w", [("1.0.1", at(1))])
    assert emu.events == []


def test_throttle_and_error_every_nth_and_counting(emu: Emulator) -> None:
    emu.faults = Faults(throttle_every=3, throttle_retry_after=4, error_every=5)
    outcomes = []
    for _ in range(6):
        status, headers, _ = emu.handle("POST", "/v1/domains", {}, b"")
        outcomes.append((status, headers.get("Retry-After")))
    assert outcomes == [(200, None), (200, None), (429, "4"), (200, None), (500, None), (429, "4")]
    assert emu.stats() == {"ListDomains": 6}  # faulted requests count too
    emu.reset_stats()
    assert emu.stats() == {}


def test_concurrent_change_lands_between_a_list_and_the_write(emu: Emulator, call: Call) -> None:
    revision = emu.add_version("acme", "release", "npm", None, "w", "1.0.0", published=at(0))
    emu.faults.concurrent_change = {
        "package": ("acme", "release", "npm", None, "w"),
        "version": "1.0.0",
        "to_status": "Unlisted",
    }
    # A write before any read is untouched by the actor; after a List the next write collides.
    call("ListPackageVersions", **PKG)
    assert emu.version_status("acme", "release", "npm", None, "w", "1.0.0") == "Published"
    _, body = call(
        "UpdatePackageVersionsStatus",
        **PKG,
        versions=["1.0.0"],
        versionRevisions={"1.0.0": revision},
        expectedStatus="Published",
        targetStatus="Archived",
    )
    assert body["failedVersions"]["1.0.0"] == {
        "errorCode": "MISMATCHED_STATUS",
        "errorMessage": "current status: Unlisted, expected status: Published",
    }
    assert emu.faults.concurrent_change is None  # applied once
    assert emu.version_revision("acme", "release", "npm", None, "w", "1.0.0") == revision


def test_introspection_endpoints(emu: Emulator) -> None:
    emu.handle("POST", "/v1/domains", {}, b"")
    status, _, body = emu.handle("GET", "/_emulator/stats", {}, b"")
    assert (status, json.loads(body)) == (200, {"requests": {"ListDomains": 1}})
    status, _, body = emu.handle(
        "POST", "/_emulator/faults", {}, json.dumps({"latency_ms": 1, "throttle_every": 2}).encode()
    )
    assert status == 200
    assert json.loads(body)["throttle_every"] == 2
    assert emu.faults.latency_ms == 1
    status, _, body = emu.handle("GET", "/_emulator/faults", {}, b"")
    assert json.loads(body)["latency_ms"] == 1
    status, _, body = emu.handle("POST", "/_emulator/faults", {}, b'{"throttle_evry": 2}')
    assert status == 400
    assert b"throttle_evry" in body
    status, _, _ = emu.handle("POST", "/_emulator/reset", {}, b"")
    assert status == 200
    assert emu.stats() == {}
    assert emu.handle("GET", "/_emulator/nothing", {}, b"")[0] == 404


@pytest.mark.parametrize(
    "document",
    [
        {"throttle_every": 0},
        {"throttle_ratio": 2},
        {"latency_ms": -1},
        {"concurrent_change": {"version": "1"}},
    ],
)
def test_bad_fault_settings_are_refused(document: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Faults.from_json(document)


@pytest.mark.parametrize(
    ("operation", "start", "extra", "state", "changes"),
    [
        # (operation, status before, extra params, packageVersionState, changes) per
        # service-event-format-example.html's fields; Deleted is the emulator's choice (undocumented).
        ("UpdatePackageVersionsStatus", "Published", {"targetStatus": "Archived"}, "Archived", (0, 0, True)),
        ("UpdatePackageVersionsStatus", "Published", {"targetStatus": "Unlisted"}, "Unlisted", (0, 0, True)),
        ("UpdatePackageVersionsStatus", "Archived", {"targetStatus": "Published"}, "Published", (0, 0, True)),
        ("UpdatePackageVersionsStatus", "Unlisted", {"targetStatus": "Archived"}, "Archived", (0, 0, True)),
        ("DisposePackageVersions", "Archived", {}, "Disposed", (0, 1, True)),
        ("DisposePackageVersions", "Published", {}, "Disposed", (0, 1, True)),
        ("DeletePackageVersions", "Published", {}, "Deleted", (0, 1, True)),
        ("DeletePackageVersions", "Disposed", {}, "Deleted", (0, 0, True)),
    ],
)
def test_each_write_emits_one_updated_or_deleted_event_keeping_the_revision(
    emu: Emulator,
    call: Call,
    operation: str,
    start: str,
    extra: dict[str, Any],
    state: str,
    changes: tuple[int, int, bool],
) -> None:
    # Given a version in `start` and one earlier event for its package.
    emu.add_version("acme", "release", "npm", None, "w", "0.9.0", published=at(0), emit_event=True)
    # (seeded Disposed, a version has no assets left to remove; otherwise npm's one package.tgz)
    revision = emu.add_version("acme", "release", "npm", None, "w", "1.0.0", status=start, published=at(1))

    # When the write runs.
    status, body = call(operation, **PKG, versions=["1.0.0"], **extra)

    # Then exactly one event follows, for this version, with the next sequence number.
    assert status == 200, body
    assert body["failedVersions"] == {}
    first, event = emu.events
    detail = event["detail"]
    assert (detail["packageVersion"], detail["packageVersionState"]) == ("1.0.0", state)
    assert detail["operationType"] == ("Deleted" if operation == "DeletePackageVersions" else "Updated")
    assert (
        detail["changes"]["assetsAdded"],
        detail["changes"]["assetsRemoved"],
        detail["changes"]["statusChanged"],
    ) == changes
    assert detail["packageVersionRevision"] == revision
    assert detail["sequenceNumber"] > first["detail"]["sequenceNumber"]
    assert detail["eventDeduplicationId"] != first["detail"]["eventDeduplicationId"]


def test_no_event_for_origin_changes_same_status_updates_or_failed_batches(emu: Emulator, call: Call) -> None:
    # service-events.html: events are "Package Version State Change"s; an origin configuration
    # belongs to the package, and a write that changes nothing changes no version state.
    emu.add_version("acme", "release", "npm", None, "w", "1.0.0", published=at(0))
    emu.add_version("acme", "release", "npm", None, "w", "2.0.0", status="Archived", published=at(1))

    origin, _ = call(
        "PutPackageOriginConfiguration", **PKG, restrictions={"publish": "BLOCK", "upstream": "ALLOW"}
    )
    same, same_body = call("UpdatePackageVersionsStatus", **PKG, versions=["2.0.0"], targetStatus="Archived")
    skipped, skipped_body = call(
        "UpdatePackageVersionsStatus", **PKG, versions=["1.0.0", "9.9.9"], targetStatus="Archived"
    )

    assert (origin, same, skipped) == (200, 200, 200)
    assert same_body["successfulVersions"]["2.0.0"]["status"] == "Archived"
    assert {v: e["errorCode"] for v, e in skipped_body["failedVersions"].items()} == {
        "1.0.0": "SKIPPED",
        "9.9.9": "NOT_FOUND",
    }
    assert emu.events == []


@pytest.mark.parametrize(
    ("fmt", "namespace", "name", "arn_tail"),
    [
        ("npm", "acme", "widgets", "npm/acme/widgets"),  # scope without "@"
        ("maven", "com.acme", "core", "maven/com.acme/core"),
        ("pypi", None, "Flask_Core", "pypi//flask-core"),  # normalized name, empty namespace segment
        ("nuget", None, "Newtonsoft.JSON", "nuget//newtonsoft.json"),
    ],
)
def test_event_resources_and_names_use_the_normalized_package(
    emu: Emulator, fmt: str, namespace: str | None, name: str, arn_tail: str
) -> None:
    # service-events.html: resources holds the package ARN; ARNs use normalized names
    # (python-name-normalization.html, nuget-name-normalization.html).
    emu.add_version("acme", "release", fmt, namespace, name, "1.0.0", published=at(0), emit_event=True)

    (event,) = emu.events

    assert event["resources"] == [
        f"arn:aws:codeartifact:us-east-1:111122223333:package/acme/release/{arn_tail}"
    ]
    assert event["detail"]["packageName"] == arn_tail.rsplit("/", 1)[1]
    assert event["detail"]["packageNamespace"] == namespace
    assert (event["account"], event["region"], event["version"]) == ("111122223333", "us-east-1", "0")
