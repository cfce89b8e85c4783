"""The CodeArtifact gateway against a stubbed boto3 client: request shapes, paging, chunking,
per-version failures and error translation. No sockets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.awsrequest import HeadersDict
from botocore.exceptions import EndpointConnectionError, NoCredentialsError
from botocore.stub import Stubber
from ca_lifecycle.facts import OriginConfig, OriginType, PackageRef, Restriction, Status
from ca_lifecycle.gateway import (
    MAX_RETRY_AFTER,
    AccessDenied,
    CodeArtifactGateway,
    GatewayError,
    InvalidResponse,
    NoCredentials,
    NotFound,
    Throttled,
    Unreachable,
    _RetryAfter,
)
from gateway_stubs import NPM, NPM_PARAMS, PYPI

PYPI_PARAMS = {"domain": "acme", "repository": "release", "format": "pypi", "package": "requests"}


def _summary(version: str, status: str = "Published", origin: str | None = "INTERNAL") -> dict[str, Any]:
    entry: dict[str, Any] = {"version": version, "revision": f"rev-{version}", "status": status}
    if origin is not None:
        entry["origin"] = {"originType": origin}
    return entry


# ------------------------------------------------------------------------------------- listing


def test_list_versions_pages_at_1000_sorted_by_publish_time_and_numbers_the_order(
    stubbed: tuple[CodeArtifactGateway, Stubber],
) -> None:
    # Given two pages of versions, the second without an origin block
    gateway, stubber = stubbed
    base = {**NPM_PARAMS, "sortBy": "PUBLISHED_TIME", "maxResults": 1000}
    stubber.add_response(
        "list_package_versions",
        {"versions": [_summary("3.0.0"), _summary("2.0.0", "Archived")], "nextToken": "t1"},
        base,
    )
    stubber.add_response(
        "list_package_versions",
        {"versions": [_summary("1.0.0", "Unlisted", origin=None)]},
        {**base, "nextToken": "t1"},
    )

    # When listing
    facts = gateway.list_versions(NPM)

    # Then every status is kept, in list order, with the order numbered across pages
    assert [(f.version, f.status, f.publish_order) for f in facts] == [
        ("3.0.0", Status.PUBLISHED, 0),
        ("2.0.0", Status.ARCHIVED, 1),
        ("1.0.0", Status.UNLISTED, 2),
    ]
    assert facts[0].revision == "rev-3.0.0"
    assert facts[0].origin_type is OriginType.INTERNAL
    assert facts[2].origin_type is OriginType.UNKNOWN
    assert all(f.published is None for f in facts)


def test_a_page_token_handed_back_unchanged_fails_instead_of_looping(
    stubbed: tuple[CodeArtifactGateway, Stubber],
) -> None:
    # Given an API that answers the second page with the token it was asked for
    gateway, stubber = stubbed
    base = {**NPM_PARAMS, "sortBy": "PUBLISHED_TIME", "maxResults": 1000}
    stubber.add_response("list_package_versions", {"versions": [_summary("2.0.0")], "nextToken": "t1"}, base)
    stubber.add_response(
        "list_package_versions",
        {"versions": [_summary("1.0.0")], "nextToken": "t1"},
        {**base, "nextToken": "t1"},
    )
    # When listing, Then it stops with an error naming the field (not a loop until the Lambda timeout)
    with pytest.raises(InvalidResponse, match="nextToken: repeated"):
        gateway.list_versions(NPM)


def test_list_repositories_stops_on_a_repeated_token(stubbed: tuple[CodeArtifactGateway, Stubber]) -> None:
    gateway, stubber = stubbed
    params = {"domain": "acme", "maxResults": 1000}
    stubber.add_response(
        "list_repositories_in_domain", {"repositories": [{"name": "aa"}], "nextToken": "t"}, params
    )
    stubber.add_response(
        "list_repositories_in_domain",
        {"repositories": [{"name": "bb"}], "nextToken": "t"},
        {**params, "nextToken": "t"},
    )
    with pytest.raises(InvalidResponse, match="nextToken: repeated"):
        gateway.list_repositories("acme", None)


def test_a_packages_page_answering_its_own_token_is_an_error_not_a_message_loop(
    stubbed: tuple[CodeArtifactGateway, Stubber],
) -> None:
    gateway, stubber = stubbed
    params = {"domain": "acme", "repository": "release", "maxResults": 1000, "nextToken": "p2"}
    stubber.add_response("list_packages", {"packages": [], "nextToken": "p2"}, params)
    with pytest.raises(InvalidResponse, match="nextToken: repeated"):
        gateway.list_packages_page("acme", None, "release", "p2")


def test_list_versions_omits_namespace_and_owner_when_absent(
    stubbed: tuple[CodeArtifactGateway, Stubber],
) -> None:
    gateway, stubber = stubbed
    stubber.add_response(
        "list_package_versions",
        {"versions": [_summary("2.31.0")]},
        {**PYPI_PARAMS, "sortBy": "PUBLISHED_TIME", "maxResults": 1000},
    )
    assert [f.version for f in gateway.list_versions(PYPI)] == ["2.31.0"]


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"version": "1.0.0", "revision": "r", "status": "Frozen"}, "versions[1].status"),
        (
            {"version": "1.0.0", "revision": "r", "status": "Published", "origin": {"originType": "ALIEN"}},
            "versions[1].origin.originType",
        ),
    ],
)
def test_list_versions_rejects_unknown_enum_values_naming_the_field(
    stubbed: tuple[CodeArtifactGateway, Stubber], entry: dict[str, Any], field: str
) -> None:
    gateway, stubber = stubbed
    stubber.add_response("list_package_versions", {"versions": [_summary("2.0.0"), entry]})
    with pytest.raises(InvalidResponse) as caught:
        gateway.list_versions(PYPI)
    assert field in str(caught.value)
    assert caught.value.operation == "ListPackageVersions"


def test_list_packages_page_passes_filters_and_returns_origins_and_token(
    stubbed: tuple[CodeArtifactGateway, Stubber],
) -> None:
    gateway, stubber = stubbed
    stubber.add_response(
        "list_packages",
        {
            "packages": [
                {
                    "format": "npm",
                    "namespace": "acme",
                    "package": "widgets",
                    "originConfiguration": {"restrictions": {"publish": "ALLOW", "upstream": "ALLOW"}},
                },
                {"format": "pypi", "package": "requests"},
            ],
            "nextToken": "next",
        },
        {
            "domain": "acme",
            "domainOwner": "111122223333",
            "repository": "release",
            "maxResults": 1000,
            "nextToken": "prev",
            "publish": "ALLOW",
            "upstream": "ALLOW",
        },
    )
    page, token = gateway.list_packages_page(
        "acme", "111122223333", "release", "prev", publish=Restriction.ALLOW, upstream=Restriction.ALLOW
    )
    assert token == "next"
    assert page[0].package == NPM
    assert page[0].origin == OriginConfig(Restriction.ALLOW, Restriction.ALLOW)
    assert page[1].package == PackageRef("acme", "release", "pypi", None, "requests", "111122223333")
    assert page[1].origin is None


def test_list_repositories_follows_tokens(stubbed: tuple[CodeArtifactGateway, Stubber]) -> None:
    gateway, stubber = stubbed
    stubber.add_response(
        "list_repositories_in_domain",
        {"repositories": [{"name": "release"}], "nextToken": "t"},
        {"domain": "acme", "maxResults": 1000},
    )
    stubber.add_response(
        "list_repositories_in_domain",
        {"repositories": [{"name": "snapshots"}]},
        {"domain": "acme", "maxResults": 1000, "nextToken": "t"},
    )
    assert gateway.list_repositories("acme", None) == ["release", "snapshots"]


# ------------------------------------------------------------------------------------ describes


def test_describe_published_returns_utc(stubbed: tuple[CodeArtifactGateway, Stubber]) -> None:
    gateway, stubber = stubbed
    plus2 = timezone(timedelta(hours=2))
    stubber.add_response(
        "describe_package_version",
        {
            "packageVersion": {
                "version": "1.0.0",
                "publishedTime": datetime(2025, 1, 1, 2, 0, tzinfo=plus2),
                "status": "Published",
            }
        },
        {**NPM_PARAMS, "packageVersion": "1.0.0"},
    )
    published = gateway.describe_published(NPM, "1.0.0")
    assert published == datetime(2025, 1, 1, 0, 0, tzinfo=UTC)
    assert published.utcoffset() == timedelta(0)


def test_describe_published_without_time_is_an_invalid_response(
    stubbed: tuple[CodeArtifactGateway, Stubber],
) -> None:
    gateway, stubber = stubbed
    stubber.add_response("describe_package_version", {"packageVersion": {"version": "1.0.0"}})
    with pytest.raises(InvalidResponse, match="publishedTime"):
        gateway.describe_published(NPM, "1.0.0")


def test_describe_origin_reads_restrictions(stubbed: tuple[CodeArtifactGateway, Stubber]) -> None:
    gateway, stubber = stubbed
    stubber.add_response(
        "describe_package",
        {
            "package": {
                "format": "npm",
                "name": "widgets",
                "originConfiguration": {"restrictions": {"publish": "ALLOW", "upstream": "BLOCK"}},
            }
        },
        NPM_PARAMS,
    )
    assert gateway.describe_origin(NPM) == OriginConfig(Restriction.ALLOW, Restriction.BLOCK)


def test_describe_origin_of_a_missing_package_is_none(stubbed: tuple[CodeArtifactGateway, Stubber]) -> None:
    gateway, stubber = stubbed
    stubber.add_client_error("describe_package", "ResourceNotFoundException", "no such package", 404)
    assert gateway.describe_origin(NPM) is None


def test_describe_origin_rejects_unknown_restriction(stubbed: tuple[CodeArtifactGateway, Stubber]) -> None:
    gateway, stubber = stubbed
    stubber.add_response(
        "describe_package",
        {"package": {"originConfiguration": {"restrictions": {"publish": "MAYBE", "upstream": "BLOCK"}}}},
    )
    with pytest.raises(InvalidResponse, match=r"package\.restrictions\.publish"):
        gateway.describe_origin(NPM)


# --------------------------------------------------------------------------------------- writes


def _ok(versions: list[str], status: str = "Archived") -> dict[str, Any]:
    return {v: {"revision": f"rev-{v}", "status": status} for v in versions}


def test_update_status_writes_chunks_of_100_with_expected_status_and_revisions(
    stubbed: tuple[CodeArtifactGateway, Stubber],
) -> None:
    # Given 150 versions to archive
    gateway, stubber = stubbed
    versions = {f"1.0.{i:03d}": f"rev-{i}" for i in range(150)}
    ordered = sorted(versions)
    for chunk in (ordered[:100], ordered[100:]):
        stubber.add_response(
            "update_package_versions_status",
            {"successfulVersions": _ok(chunk), "failedVersions": {}},
            {
                **NPM_PARAMS,
                "versions": chunk,
                "versionRevisions": {v: versions[v] for v in chunk},
                "expectedStatus": "Published",
                "targetStatus": "Archived",
            },
        )

    # When archiving them
    result = gateway.update_status(NPM, versions, Status.PUBLISHED, Status.ARCHIVED)

    # Then two calls (100 + 50) all succeeded
    assert len(result.succeeded) == 150
    assert set(result.succeeded.values()) == {Status.ARCHIVED}
    assert result.failed == {}


def test_skipped_versions_are_retried_once_alone_and_mismatches_are_reported(
    stubbed: tuple[CodeArtifactGateway, Stubber],
) -> None:
    # Given a chunk where one version changed concurrently, so the API skipped the others
    gateway, stubber = stubbed
    versions = {"1.0.0": "r1", "1.1.0": "r2", "1.2.0": "r3"}
    stubber.add_response(
        "update_package_versions_status",
        {
            "successfulVersions": {},
            "failedVersions": {
                "1.0.0": {"errorCode": "MISMATCHED_STATUS", "errorMessage": "current status: Unlisted"},
                "1.1.0": {"errorCode": "SKIPPED", "errorMessage": "version 1.1.0 is skipped"},
                "1.2.0": {"errorCode": "SKIPPED", "errorMessage": "version 1.2.0 is skipped"},
            },
        },
    )
    stubber.add_response(
        "update_package_versions_status",
        {"successfulVersions": _ok(["1.1.0", "1.2.0"])},
        {
            **NPM_PARAMS,
            "versions": ["1.1.0", "1.2.0"],
            "versionRevisions": {"1.1.0": "r2", "1.2.0": "r3"},
            "expectedStatus": "Published",
            "targetStatus": "Archived",
        },
    )

    # When archiving
    result = gateway.update_status(NPM, versions, Status.PUBLISHED, Status.ARCHIVED)

    # Then the skipped ones went through on the retry and the mismatch is reported, not retried
    assert result.succeeded == {"1.1.0": Status.ARCHIVED, "1.2.0": Status.ARCHIVED}
    assert result.failed == {"1.0.0": ("MISMATCHED_STATUS", "current status: Unlisted")}
    assert set(result.mismatched) == {"1.0.0"}


def test_a_second_skip_is_reported_without_a_third_attempt(
    stubbed: tuple[CodeArtifactGateway, Stubber],
) -> None:
    gateway, stubber = stubbed
    skipped = {"errorCode": "SKIPPED", "errorMessage": "skipped"}
    stubber.add_response(
        "dispose_package_versions",
        {"failedVersions": {"1.0.0": {"errorCode": "NOT_ALLOWED", "errorMessage": "no"}, "1.1.0": skipped}},
        {
            **NPM_PARAMS,
            "versions": ["1.0.0", "1.1.0"],
            "versionRevisions": {"1.0.0": "r1", "1.1.0": "r2"},
            "expectedStatus": "Archived",
        },
    )
    stubber.add_response("dispose_package_versions", {"failedVersions": {"1.1.0": skipped}})

    result = gateway.dispose(NPM, {"1.0.0": "r1", "1.1.0": "r2"}, Status.ARCHIVED)

    assert result.succeeded == {}
    assert result.failed == {"1.0.0": ("NOT_ALLOWED", "no"), "1.1.0": ("SKIPPED", "skipped")}
    assert result.mismatched == {}


def test_a_version_missing_from_the_answer_is_reported(stubbed: tuple[CodeArtifactGateway, Stubber]) -> None:
    gateway, stubber = stubbed
    stubber.add_response("dispose_package_versions", {"successfulVersions": _ok(["1.0.0"], "Disposed")})
    result = gateway.dispose(NPM, {"1.0.0": "r1", "1.1.0": "r2"}, Status.ARCHIVED)
    assert result.succeeded == {"1.0.0": Status.DISPOSED}
    assert result.failed["1.1.0"][0] == "MISSING"


def test_unknown_status_in_successful_versions_names_the_field(
    stubbed: tuple[CodeArtifactGateway, Stubber],
) -> None:
    gateway, stubber = stubbed
    stubber.add_response(
        "update_package_versions_status", {"successfulVersions": {"1.0.0": {"status": "Vanished"}}}
    )
    with pytest.raises(InvalidResponse, match=r"successfulVersions\['1.0.0'\]\.status"):
        gateway.update_status(NPM, {"1.0.0": "r1"}, Status.PUBLISHED, Status.ARCHIVED)


def test_put_origin_sends_both_halves(stubbed: tuple[CodeArtifactGateway, Stubber]) -> None:
    gateway, stubber = stubbed
    stubber.add_response(
        "put_package_origin_configuration",
        {"originConfiguration": {"restrictions": {"publish": "BLOCK", "upstream": "ALLOW"}}},
        {**PYPI_PARAMS, "restrictions": {"publish": "BLOCK", "upstream": "ALLOW"}},
    )
    gateway.put_origin(PYPI, OriginConfig(Restriction.BLOCK, Restriction.ALLOW))


# --------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("code", "status", "kind", "text"),
    [
        ("ResourceNotFoundException", 404, NotFound, "ListPackageVersions: ResourceNotFoundException: gone"),
        ("AccessDeniedException", 403, AccessDenied, "missing permission codeartifact:ListPackageVersions"),
        ("ThrottlingException", 429, Throttled, "ThrottlingException"),
        ("ValidationException", 400, GatewayError, "ValidationException: gone"),
    ],
)
def test_client_errors_become_gateway_errors(
    stubbed: tuple[CodeArtifactGateway, Stubber], code: str, status: int, kind: type[GatewayError], text: str
) -> None:
    gateway, stubber = stubbed
    stubber.add_client_error("list_package_versions", code, "gone", status)
    with pytest.raises(kind) as caught:
        gateway.list_versions(NPM)
    assert type(caught.value) is kind
    assert caught.value.code == code
    assert caught.value.operation == "ListPackageVersions"
    assert text in str(caught.value)
    assert "\n" not in str(caught.value)


def test_client_side_validation_errors_are_one_line_too() -> None:
    # Given names botocore's own validation rejects (two problems: two lines in botocore's text)
    gateway = CodeArtifactGateway(boto3.client("codeartifact", region_name="us-east-1"))
    with pytest.raises(GatewayError) as caught:
        gateway.list_versions(PackageRef("a", "r", "npm", None, "x"))
    # Then the message is one line, fit for a CLI error or a log field, and keeps both problems
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith("ListPackageVersions: ParamValidationError: Parameter validation failed: ")
    assert "parameter domain" in text
    assert "parameter repository" in text
    assert "\n" not in caught.value.message


class _RaisingClient:
    """Stands in for a client whose transport fails before any response exists."""

    def __init__(self, exc: Exception) -> None:
        self._exc = exc
        self.meta = boto3.client("codeartifact", region_name="us-east-1").meta

    def describe_package_version(self, **_: Any) -> Any:
        raise self._exc


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), Unreachable),
        (NoCredentialsError(), NoCredentials),
    ],
)
def test_transport_errors_become_gateway_errors(exc: Exception, kind: type[GatewayError]) -> None:
    gateway = CodeArtifactGateway(_RaisingClient(exc))  # type: ignore[arg-type]
    with pytest.raises(kind) as caught:
        gateway.describe_published(NPM, "1.0.0")
    assert caught.value.operation == "DescribePackageVersion"


# -------------------------------------------------------------------------------------- retries


@pytest.mark.parametrize(
    ("headers", "expected_wait"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"Retry-After": "0.5"}, 0.5),
        ({"Retry-After": "600"}, MAX_RETRY_AFTER),  # capped: a Lambda must not sleep its run away
        ({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}, 0.0),  # botocore's backoff stays in charge
        ({"Retry-After": "-1"}, 0.0),
        ({}, 0.0),
    ],
)
def test_retry_after_seconds_set_the_earliest_next_request(
    headers: dict[str, str], expected_wait: float
) -> None:
    # Given a throttled response carrying (or not) CodeArtifact's Retry-After
    slept: list[float] = []
    hints = _RetryAfter(clock=lambda: 1000.0, sleep=slept.append)
    # When the response hook sees it, and the next request is about to be sent
    hints.on_response({"headers": HeadersDict(headers)})
    hints.before_send()
    # Then that request waited that many seconds first (or not at all)
    assert sum(slept) == pytest.approx(expected_wait)
    assert len(slept) == (1 if expected_wait else 0)


def test_the_lazy_client_uses_adaptive_retries_and_the_retry_after_hook(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    gateway = CodeArtifactGateway(clock=lambda: 500.0)
    client = gateway.client
    # botocore stores max_attempts=8 (retries) as 9 total attempts
    retries = getattr(client.meta.config, "retries", None)
    assert retries == {"mode": "adaptive", "total_max_attempts": 9}
    assert gateway.client is client  # created once, cached
    # the hook is registered on the client's own event system, as botocore emits it
    client.meta.events.emit(
        "before-parse.codeartifact.ListPackageVersions",
        operation_model=None,
        response_dict={"headers": HeadersDict({"Retry-After": "2"})},
        customized_response_dict={},
    )
    assert gateway._retry_after.not_before == pytest.approx(502.0)
