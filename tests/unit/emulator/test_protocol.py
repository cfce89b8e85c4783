"""The model-driven protocol layer: routing, parsing, validation and serialization (no sockets)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from botocore.model import OperationModel
from ca_emulator.errors import NotFoundError, ThrottlingError, UnknownOperationError, ValidationError
from ca_emulator.protocol import (
    Router,
    parse_request,
    serialize_error,
    serialize_response,
    service_model,
)


@pytest.fixture(scope="module")
def router() -> Router:
    return Router()


def op(name: str) -> OperationModel:
    return service_model().operation_model(name)


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("POST", "/v1/package/versions", "ListPackageVersions"),
        ("POST", "/v1/package/versions/update_status", "UpdatePackageVersionsStatus"),
        ("POST", "/v1/package/versions/dispose", "DisposePackageVersions"),
        ("POST", "/v1/package/versions/delete", "DeletePackageVersions"),
        ("GET", "/v1/package", "DescribePackage"),
        ("POST", "/v1/package", "PutPackageOriginConfiguration"),
        ("DELETE", "/v1/package", "DeletePackage"),
        ("GET", "/v1/package/version", "DescribePackageVersion"),
        ("POST", "/v1/packages", "ListPackages"),
        ("POST", "/v1/domain/repositories", "ListRepositoriesInDomain"),
        ("POST", "/v1/domains", "ListDomains"),
    ],
)
def test_router_resolves_each_operation_from_method_and_path(
    router: Router, method: str, path: str, operation: str
) -> None:
    # Given the model's http blocks / When a request arrives / Then the matching operation is chosen
    resolved, labels = router.resolve(method, path, {})
    assert resolved.name == operation
    assert labels == {}


def test_every_model_operation_is_routable(router: Router) -> None:
    # Each operation's own method and URI must lead back to it (no two collide).
    for name in service_model().operation_names:
        http = op(name).http
        path = http["requestUri"].partition("?")[0]
        assert router.resolve(http["method"], path, {})[0].name == name


@pytest.mark.parametrize(("method", "path"), [("GET", "/v1/nothing"), ("PATCH", "/v1/package"), ("GET", "/")])
def test_unknown_route_is_an_unknown_operation_error(router: Router, method: str, path: str) -> None:
    with pytest.raises(UnknownOperationError):
        router.resolve(method, path, {})


def test_query_members_are_parsed_to_their_model_types() -> None:
    query = {
        "domain": ["acme"],
        "repository": ["release"],
        "format": ["npm"],
        "package": ["widgets"],
        "max-results": ["25"],
        "sortBy": ["PUBLISHED_TIME"],
    }
    params = parse_request(op("ListPackageVersions"), query, {}, b"")
    assert params == {
        "domain": "acme",
        "repository": "release",
        "format": "npm",
        "package": "widgets",
        "maxResults": 25,
        "sortBy": "PUBLISHED_TIME",
    }


def test_body_and_header_members_are_parsed() -> None:
    query = {"domain": ["acme"], "repository": ["release"], "format": ["npm"], "package": ["w"]}
    body = json.dumps({"versions": ["1.0.0"], "targetStatus": "Archived", "expectedStatus": "Published"})
    params = parse_request(op("UpdatePackageVersionsStatus"), query, {}, body.encode())
    assert params["versions"] == ["1.0.0"]
    assert params["targetStatus"] == "Archived"

    publish_query = {**query, "format": ["generic"], "version": ["1"], "asset": ["a.bin"]}
    sha = "a" * 64
    published = parse_request(
        op("PublishPackageVersion"), publish_query, {"X-Amz-Content-SHA256": sha}, b"raw"
    )
    assert published["assetSHA256"] == sha
    assert published["assetContent"] == b"raw"


BASE = {"domain": ["acme"], "repository": ["release"], "format": ["npm"], "package": ["w"]}


@pytest.mark.parametrize(
    ("query", "message_part"),
    [
        ({**BASE, "max-results": ["0"]}, "greater than or equal to 1"),
        ({**BASE, "max-results": ["1001"]}, "less than or equal to 1000"),
        ({**BASE, "max-results": ["ten"]}, "must be a number"),
        ({**BASE, "status": ["Gone"]}, "enum value set"),
        ({**BASE, "format": ["rpm"]}, "enum value set"),
        ({k: v for k, v in BASE.items() if k != "package"}, "Value null at 'package'"),
        ({**BASE, "domain": ["Acme"]}, "regular expression pattern"),
    ],
)
def test_invalid_input_is_a_validation_error(query: dict[str, list[str]], message_part: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_request(op("ListPackageVersions"), query, {}, b"")
    assert message_part in err.value.message


def test_more_than_100_versions_is_a_validation_error() -> None:
    body = json.dumps({"versions": [str(i) for i in range(101)]}).encode()
    with pytest.raises(ValidationError) as err:
        parse_request(op("DisposePackageVersions"), BASE, {}, body)
    assert "less than or equal to 100" in err.value.message


def test_response_keeps_only_output_members_and_writes_epoch_seconds() -> None:
    result = {
        "packageVersion": {
            "format": "npm",
            "packageName": "w",
            "version": "1.0.0",
            "publishedTime": datetime(2025, 1, 1, tzinfo=UTC),
            "status": "Published",
            "notInTheShape": "dropped",
        },
        "alsoDropped": 1,
    }
    headers, body = serialize_response(op("DescribePackageVersion"), result)
    document = json.loads(body)
    assert headers["Content-Type"] == "application/json"
    assert document == {
        "packageVersion": {
            "format": "npm",
            "packageName": "w",
            "version": "1.0.0",
            "publishedTime": 1735689600.0,
            "status": "Published",
        }
    }


def test_response_with_a_value_outside_its_enum_is_refused() -> None:
    with pytest.raises(ValueError, match="not one of"):
        serialize_response(op("DescribePackage"), {"package": {"format": "rpm", "name": "w"}})


def test_not_found_error_carries_resource_members() -> None:
    status, headers, body = serialize_error(NotFoundError("no such package", "package", "w"))
    assert status == 404
    assert headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert json.loads(body) == {"message": "no such package", "resourceType": "package", "resourceId": "w"}


def test_throttling_error_puts_retry_after_in_a_header() -> None:
    status, headers, body = serialize_error(ThrottlingError("slow down", 7))
    assert status == 429
    assert headers["Retry-After"] == "7"
    assert json.loads(body) == {"message": "slow down"}


def test_botocore_parses_our_serialized_response() -> None:
    # A response built by serialize_response must parse with botocore's own rest-json parser.
    from botocore.parsers import RestJSONParser

    headers, body = serialize_response(
        op("DescribePackageVersion"),
        {"packageVersion": {"publishedTime": datetime(2025, 1, 1, 12, tzinfo=UTC), "status": "Archived"}},
    )
    shape = op("DescribePackageVersion").output_shape
    assert shape is not None
    parsed = RestJSONParser().parse({"status_code": 200, "headers": headers, "body": body}, shape)
    assert parsed["packageVersion"]["publishedTime"] == datetime(2025, 1, 1, 12, tzinfo=UTC)
    assert parsed["packageVersion"]["status"] == "Archived"
