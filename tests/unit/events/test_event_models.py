"""The CodeArtifact event model and the work-queue message parser, against events/ samples."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ca_lifecycle.events import CodeArtifactEvent, parse_event
from ca_lifecycle.facts import PackageRef, Status
from ca_lifecycle.messages import (
    InvalidMessage,
    PackageWorkItem,
    RepositoryPageItem,
    SweepRequest,
    UnsupportedEvent,
    parse_work_message,
)
from pydantic import ValidationError

EVENTS = Path(__file__).resolve().parents[3] / "events"


def sample(name: str) -> Any:
    return json.loads((EVENTS / name).read_text())


def every_sample_event() -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(EVENTS.glob("*.json")):
        data = json.loads(path.read_text())
        for i, event in enumerate(data if isinstance(data, list) else [data]):
            found.append((f"{path.name}[{i}]", event))
    return found


# ------------------------------------------------------------------------------ valid samples


@pytest.mark.parametrize(
    ("name", "event"), every_sample_event(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_sample_event_parses_and_matches_its_resource_arn(name: str, event: dict[str, Any]) -> None:
    parsed = parse_event(event)
    ref = parsed.package_ref()
    # The ARN names the same package (a null namespace shows as //).
    assert parsed.resources == [
        f"arn:aws:codeartifact:us-east-1:111122223333:package/acme/{ref.repository}/"
        f"{ref.format}/{ref.namespace or ''}/{ref.name}"
    ]
    assert parsed.detail.domain_owner == "111122223333"


@pytest.mark.parametrize(
    ("file", "package", "version", "status", "operation", "sequence"),
    [
        ("npm-publish.json", ("npm", "acme", "widgets"), "1.4.0", Status.PUBLISHED, "Created", 12),
        (
            "maven-publish-1-created.json",
            ("maven", "com.acme", "core"),
            "2.3.0",
            Status.UNFINISHED,
            "Created",
            4,
        ),
        (
            "maven-publish-2-published.json",
            ("maven", "com.acme", "core"),
            "2.3.0",
            Status.PUBLISHED,
            "Updated",
            5,
        ),
        ("pypi-publish.json", ("pypi", None, "acme-tools"), "0.9.1", Status.PUBLISHED, "Created", 1),
        ("archive.json", ("npm", "acme", "widgets"), "1.0.0", Status.ARCHIVED, "Updated", 13),
        ("dispose.json", ("npm", "acme", "widgets"), "1.0.0", Status.DISPOSED, "Updated", 14),
        ("delete.json", ("npm", "acme", "widgets"), "0.9.0", Status.DELETED, "Deleted", 15),
    ],
)
def test_known_answers_for_the_samples(
    file: str,
    package: tuple[str, str | None, str],
    version: str,
    status: Status,
    operation: str,
    sequence: int,
) -> None:
    detail = parse_event(sample(file)).detail
    fmt, namespace, name = package
    assert detail.package_ref() == PackageRef("acme", "release", fmt, namespace, name, "111122223333")
    assert (detail.package_version, detail.status, detail.operation_type) == (version, status, operation)
    assert detail.sequence_number == sequence


def test_maven_second_step_reports_the_status_change() -> None:
    created = parse_event(sample("maven-publish-1-created.json")).detail
    published = parse_event(sample("maven-publish-2-published.json")).detail
    assert (created.changes.status_changed, published.changes.status_changed) == (False, True)


def test_pypi_variant_string_booleans_null_namespace_and_no_administrator() -> None:
    event = parse_event(sample("pypi-publish.json"))
    assert event.detail.changes.metadata_updated is True
    assert event.detail.changes.status_changed is True
    assert event.detail.package_namespace is None
    assert event.detail.repository_administrator is None
    assert event.time == datetime(2025, 6, 2, 8, 30, tzinfo=UTC)


def test_duplicate_delivery_shares_the_dedupe_id() -> None:
    first, second = (parse_event(e) for e in sample("duplicate-delivery.json"))
    assert first.detail.event_deduplication_id == second.detail.event_deduplication_id


def test_out_of_order_pair_is_delivered_newest_first() -> None:
    first, second = (parse_event(e) for e in sample("out-of-order.json"))
    assert (first.detail.sequence_number, second.detail.sequence_number) == (7, 6)
    assert first.package_ref() == second.package_ref()


@pytest.mark.parametrize("state", ["Deleted", "SomethingNew", None, _DELETE_STATE := object()])
def test_deletes_accept_an_undocumented_state(state: object) -> None:
    # AWS documents no value for deletes: any string, null, or no key at all is accepted.
    event = sample("delete.json")
    if state is _DELETE_STATE:
        del event["detail"]["packageVersionState"]
    else:
        event["detail"]["packageVersionState"] = state
    assert parse_event(event).detail.status is Status.DELETED
    assert isinstance(parse_work_message(json.dumps(event)), CodeArtifactEvent)


@pytest.mark.parametrize(
    ("flag", "expected"), [(True, True), (False, False), ("true", True), ("false", False)]
)
def test_changes_flags_accept_booleans_and_their_strings(flag: object, expected: bool) -> None:
    event = sample("npm-publish.json")
    event["detail"]["changes"]["statusChanged"] = flag
    assert parse_event(event).detail.changes.status_changed is expected


def test_unknown_extra_fields_are_ignored() -> None:
    event = sample("npm-publish.json")
    event["detail"]["somethingAwsAddsLater"] = {"x": 1}
    assert parse_event(event).detail.package_name == "widgets"


# ------------------------------------------------------------------------------ rejections


def mutate(path: tuple[str, ...], value: object) -> dict[str, Any]:
    event = copy.deepcopy(sample("npm-publish.json"))
    target = event
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return event


_DELETE = object()


UNSUPPORTED = [
    (("detail", "packageFormat"), "conda", "detail.packageFormat"),
    (("detail", "operationType"), "Moved", "detail.operationType"),
    (("detail", "packageVersionState"), "Deleted", "detail.packageVersionState"),
    (("detail", "packageVersionState"), "Frozen", "detail.packageVersionState"),
]


@pytest.mark.parametrize(("path", "value", "field"), UNSUPPORTED)
def test_events_of_kinds_this_release_does_not_know_are_unsupported_not_invalid(
    path: tuple[str, ...], value: object, field: str
) -> None:
    event = mutate(path, value)
    # The model alone still refuses them, naming the field ...
    with pytest.raises(ValidationError) as caught:
        CodeArtifactEvent.model_validate(event)
    assert field in {".".join(str(p) for p in e["loc"]) for e in caught.value.errors()}
    # ... while the work-queue parser calls them what they are: well-formed, and not ours to retry
    with pytest.raises(UnsupportedEvent) as unsupported:
        parse_work_message(json.dumps(event))
    assert (unsupported.value.field, unsupported.value.value) == (field, value)


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("detail", "packageName"), _DELETE, "detail.packageName"),
        (("detail", "packageName"), "", "detail.packageName"),
        (("detail-type",), "CodeArtifact Package State Change", "detail-type"),
        (("source",), "aws.s3", "source"),
        (("detail", "changes", "statusChanged"), "yes", "detail.changes.statusChanged"),
        (("detail", "changes", "statusChanged"), 1, "detail.changes.statusChanged"),
        (("detail", "changes", "assetsAdded"), -1, "detail.changes.assetsAdded"),
        (("detail", "changes", "assetsAdded"), True, "detail.changes.assetsAdded"),
        (("detail", "changes"), _DELETE, "detail.changes"),
        (("detail", "packageVersionState"), None, "detail.packageVersionState"),
        (("detail", "packageVersionState"), _DELETE, "detail.packageVersionState"),
        (("detail", "sequenceNumber"), "12", "detail.sequenceNumber"),
        (("detail", "sequenceNumber"), -3, "detail.sequenceNumber"),
        (("detail", "domainOwner"), "1111", "detail.domainOwner"),
        (("detail", "eventDeduplicationId"), _DELETE, "detail.eventDeduplicationId"),
        (("detail", "packageNamespace"), _DELETE, "detail.packageNamespace"),
        (("time",), "yesterday", "time"),
    ],
)
def test_invalid_events_are_rejected_naming_the_field(
    path: tuple[str, ...], value: object, field: str
) -> None:
    event = mutate(path, value)
    with pytest.raises(ValidationError) as caught:
        CodeArtifactEvent.model_validate(event)
    locations = {".".join(str(p) for p in e["loc"]) for e in caught.value.errors()}
    assert field in locations
    # The work-queue parser reports the same field
    with pytest.raises(InvalidMessage) as invalid:
        parse_work_message(json.dumps(event))
    assert invalid.value.field == field


@pytest.mark.parametrize(
    ("file", "field"),
    [
        ("missing-package-name.json", "detail.packageName"),
        ("wrong-detail-type.json", "detail-type"),
        ("bad-changes-value.json", "detail.changes.statusChanged"),
        ("not-json.json", "body"),
    ],
)
def test_malformed_samples_fail_with_their_field(file: str, field: str) -> None:
    body = (EVENTS / "malformed" / file).read_text()
    with pytest.raises(InvalidMessage) as caught:
        parse_work_message(body)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


# ------------------------------------------------------------------------------ work items


def test_package_item_round_trips_through_the_parser() -> None:
    ref = PackageRef("acme", "release", "npm", "acme", "widgets", "111122223333")
    item = PackageWorkItem.for_package(ref)
    parsed = parse_work_message(item.model_dump_json())
    assert isinstance(parsed, PackageWorkItem)
    assert parsed.package_ref() == ref
    assert json.loads(item.model_dump_json()) == {
        "kind": "package",
        "domain": "acme",
        "domain_owner": "111122223333",
        "repository": "release",
        "format": "npm",
        "namespace": "acme",
        "name": "widgets",
        "reason": "sweep",
    }


def test_repository_page_item_parses_with_and_without_token() -> None:
    body = {"kind": "repository-page", "domain": "acme", "domain_owner": None, "repository": "release"}
    first = parse_work_message(json.dumps(body))
    assert first == RepositoryPageItem(
        domain="acme", domain_owner=None, repository="release", next_token=None
    )
    later = parse_work_message(json.dumps({**body, "next_token": "abc"}))
    assert isinstance(later, RepositoryPageItem)
    assert later.next_token == "abc"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"kind": "nonsense"}', "kind"),
        ('{"kind": "package", "domain": "acme"}', "domain_owner"),
        (
            '{"kind": "package", "domain": "acme", "domain_owner": null, "repository": "r", "format": "npm",'
            ' "namespace": null, "name": "", "reason": "sweep"}',
            "name",
        ),
        (
            '{"kind": "repository-page", "domain": "acme", "domain_owner": null, "repository": "r",'
            ' "surprise": 1}',
            "surprise",
        ),
        ('{"hello": "world"}', "kind"),
        ("[1, 2]", "body"),
        ("", "body"),
        ("[" * 100_000, "body"),
        ('{"kind": "package", "name": ' + '{"a": ' * 50_000 + "1" + "}" * 50_001, "body"),
    ],
)
def test_invalid_work_items_name_the_field(body: str, field: str) -> None:
    with pytest.raises(InvalidMessage) as caught:
        parse_work_message(body)
    assert caught.value.field == field


def test_sweep_request_defaults_and_rejects_other_kinds() -> None:
    assert SweepRequest.model_validate({}).unlocked_only is False
    assert SweepRequest.model_validate({"kind": "sweep", "unlocked_only": True}).unlocked_only is True
    with pytest.raises(ValidationError):
        SweepRequest.model_validate({"kind": "package"})
