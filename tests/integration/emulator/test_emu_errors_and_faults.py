"""Errors as botocore's modeled exceptions, injected faults, introspection, and a concurrent actor.

Sources:
https://docs.aws.amazon.com/codeartifact/latest/APIReference/CommonErrors.html
https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html#API_ListPackageVersions_Errors
  (ResourceNotFoundException 404, ValidationException 400, ThrottlingException 429 with the
  Retry-After header as retryAfterSeconds, InternalServerException 500)
https://docs.aws.amazon.com/codeartifact/latest/ug/update-package-version-status.html
  (expectedStatus guards a write against a status changed by someone else since it was read)
The /_emulator/ endpoints are the emulator's own introspection API (DESIGN.md), not AWS's.
"""

from __future__ import annotations

import json
import socket
import threading
from typing import Any, cast

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config
from ca_emulator import Emulator
from emu_contract import DOMAIN, REGION, REPO, at, http, http_with_headers, statuses
from mypy_boto3_codeartifact import CodeArtifactClient


@pytest.fixture
def widgets(repo: Emulator) -> Emulator:
    for i, version in enumerate(("1.0.0", "1.1.0", "1.2.0")):
        repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", version, published=at(i))
    return repo


def list_widgets(client: CodeArtifactClient) -> list[str]:
    page = client.list_package_versions(
        domain=DOMAIN, repository=REPO, format="npm", namespace="acme", package="widgets"
    )
    return [v["version"] for v in page["versions"]]


def test_errors_are_botocore_modeled_classes(widgets: Emulator, codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/CommonErrors.html
    # Each error's code maps to client.exceptions.<Name>, a subclass of ClientError.
    with pytest.raises(codeartifact.exceptions.ResourceNotFoundException) as missing:
        codeartifact.describe_package(
            domain=DOMAIN, repository=REPO, format="npm", namespace="acme", package="nope"
        )
    with pytest.raises(codeartifact.exceptions.ValidationException) as invalid:
        codeartifact.list_package_versions(
            domain=DOMAIN, repository=REPO, format="npm", namespace="acme", package="widgets", maxResults=5000
        )

    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert missing.value.response["Error"]["Message"]
    # Modeled members of the error shape are merged into the response dict by botocore.
    assert cast(dict[str, Any], missing.value.response)["resourceId"]
    assert invalid.value.response["Error"]["Code"] == "ValidationException"
    assert isinstance(invalid.value, botocore.exceptions.ClientError)


def test_a_foreign_pagination_token_is_a_validation_error(
    widgets: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html
    # nextToken must come from the previous response of the same request.
    with pytest.raises(codeartifact.exceptions.ValidationException):
        codeartifact.list_package_versions(
            domain=DOMAIN,
            repository=REPO,
            format="npm",
            namespace="acme",
            package="widgets",
            nextToken="garbage",
        )


def test_throttling_via_the_faults_endpoint_carries_retry_after(
    widgets: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html#API_ListPackageVersions_Errors
    # Source: DESIGN.md, 'Emulator introspection' (the emulator's own API, not AWS's)
    status, body = http(
        widgets.endpoint, "POST", "/_emulator/faults", {"throttle_every": 1, "throttle_retry_after": 7}
    )
    assert status == 200
    assert body["throttle_every"] == 1

    with pytest.raises(codeartifact.exceptions.ThrottlingException) as err:
        list_widgets(codeartifact)

    response = err.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "7"
    # The model binds the Retry-After header to ThrottlingException.retryAfterSeconds.
    assert cast(dict[str, Any], response)["retryAfterSeconds"] == 7

    # When the fault is switched off again, the same call succeeds.
    status, body = http(widgets.endpoint, "POST", "/_emulator/faults", {})
    assert (status, body["throttle_every"]) == (200, None)
    assert list_widgets(codeartifact) == ["1.0.0", "1.1.0", "1.2.0"]


def no_retry_client(emulator: Emulator) -> CodeArtifactClient:
    """A client that makes exactly one attempt per call (total_max_attempts counts the first one)."""
    client: CodeArtifactClient = boto3.client(
        "codeartifact",
        endpoint_url=emulator.endpoint,
        region_name=REGION,
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )
    return client


def test_the_codeartifact_fixture_does_not_retry(widgets: Emulator, codeartifact: CodeArtifactClient) -> None:
    # Source: https://boto3.amazonaws.com/v1/documentation/api/latest/guide/retries.html
    # The fixture's contract: retries off, so a test sees every error and the server sees one attempt.
    widgets.faults.error_every = 1
    widgets.reset_stats()

    with pytest.raises(codeartifact.exceptions.InternalServerException):
        list_widgets(codeartifact)

    assert widgets.stats() == {"ListPackageVersions": 1}


def test_throttle_every_nth_request(widgets: Emulator) -> None:
    # Source: DESIGN.md, 'Emulator introspection' (the emulator's own API, not AWS's)
    client = no_retry_client(widgets)
    widgets.faults.throttle_every = 3
    outcomes: list[str] = []

    for _ in range(6):
        try:
            list_widgets(client)
            outcomes.append("ok")
        except client.exceptions.ThrottlingException:
            outcomes.append("throttled")

    assert outcomes == ["ok", "ok", "throttled", "ok", "ok", "throttled"]


def test_error_every_nth_request(widgets: Emulator) -> None:
    # Source: DESIGN.md, 'Emulator introspection' (the emulator's own API, not AWS's)
    client = no_retry_client(widgets)
    widgets.faults.error_every = 2
    outcomes: list[str] = []

    for _ in range(4):
        try:
            list_widgets(client)
            outcomes.append("ok")
        except client.exceptions.InternalServerException:
            outcomes.append("500")

    assert outcomes == ["ok", "500", "ok", "500"]


def test_injected_500_is_internal_server_exception(
    widgets: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html#API_ListPackageVersions_Errors
    widgets.faults.error_every = 1

    with pytest.raises(codeartifact.exceptions.InternalServerException) as err:
        list_widgets(codeartifact)

    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_injected_latency_delays_each_request(widgets: Emulator, codeartifact: CodeArtifactClient) -> None:
    # Source: DESIGN.md, 'Emulator introspection' (the emulator's own API, not AWS's)
    list_widgets(codeartifact)  # warm the connection
    slept: list[float] = []
    widgets.sleep = slept.append
    widgets.faults.latency_ms = 300

    list_widgets(codeartifact)
    list_widgets(codeartifact)

    assert slept == [0.3, 0.3]


def test_invalid_fault_documents_are_rejected(widgets: Emulator) -> None:
    # Source: DESIGN.md, 'Emulator introspection' (the emulator's own API, not AWS's)
    status, body = http(widgets.endpoint, "POST", "/_emulator/faults", {"throttle_every": 0})
    assert status == 400
    assert "throttle_every" in body["message"]
    status, body = http(widgets.endpoint, "POST", "/_emulator/faults", {"no_such_fault": 1})
    assert status == 400

    status, body = http(widgets.endpoint, "GET", "/_emulator/faults")
    assert status == 200
    assert body["throttle_every"] is None


def test_unknown_route_answers_a_json_error_and_the_server_lives_on(
    widgets: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/CommonErrors.html
    status, body = http(widgets.endpoint, "POST", "/v1/no/such/operation", {"x": 1})

    assert 400 <= status < 500
    assert isinstance(body, dict)
    assert body.get("message") or body.get("Message")
    assert list_widgets(codeartifact) == ["1.0.0", "1.1.0", "1.2.0"]


def test_stats_count_requests_per_operation_and_reset_clears_them(
    widgets: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: DESIGN.md, 'Emulator introspection' (the emulator's own API, not AWS's)
    http(widgets.endpoint, "POST", "/_emulator/reset")
    for _ in range(3):
        list_widgets(codeartifact)
    codeartifact.describe_package(
        domain=DOMAIN, repository=REPO, format="npm", namespace="acme", package="widgets"
    )

    status, body = http(widgets.endpoint, "GET", "/_emulator/stats")
    assert status == 200
    assert body == {"requests": {"ListPackageVersions": 3, "DescribePackage": 1}}
    assert widgets.stats() == {"ListPackageVersions": 3, "DescribePackage": 1}

    status, _ = http(widgets.endpoint, "POST", "/_emulator/reset")
    assert status == 200
    assert http(widgets.endpoint, "GET", "/_emulator/stats") == (200, {"requests": {}})
    assert widgets.stats() == {}


def test_concurrent_change_between_list_and_write_is_caught_by_expected_status(
    widgets: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/update-package-version-status.html
    # Given another client will unlist 1.0.0 right after our next read.
    widgets.faults.concurrent_change = {
        "package": (DOMAIN, REPO, "npm", "acme", "widgets"),
        "version": "1.0.0",
        "to_status": "Unlisted",
    }

    # When we list (everything Published) and then archive with expectedStatus=Published.
    listed = codeartifact.list_package_versions(
        domain=DOMAIN, repository=REPO, format="npm", namespace="acme", package="widgets"
    )["versions"]
    assert {v["status"] for v in listed} == {"Published"}
    result = codeartifact.update_package_versions_status(
        domain=DOMAIN,
        repository=REPO,
        format="npm",
        namespace="acme",
        package="widgets",
        versions=["1.0.0", "1.1.0"],
        expectedStatus="Published",
        targetStatus="Archived",
    )

    # Then the guard reports the other client's change and nothing of ours is applied.
    assert result["failedVersions"]["1.0.0"] == {
        "errorCode": "MISMATCHED_STATUS",
        "errorMessage": "current status: Unlisted, expected status: Published",
    }
    assert result["failedVersions"]["1.1.0"]["errorCode"] == "SKIPPED"
    assert result["successfulVersions"] == {}
    assert statuses(codeartifact, "npm", "acme", "widgets") == {
        "1.0.0": "Unlisted",
        "1.1.0": "Published",
        "1.2.0": "Published",
    }

    # The change is applied once: a retry after re-reading succeeds.
    retry = codeartifact.update_package_versions_status(
        domain=DOMAIN,
        repository=REPO,
        format="npm",
        namespace="acme",
        package="widgets",
        versions=["1.1.0"],
        expectedStatus="Published",
        targetStatus="Archived",
    )
    assert retry["successfulVersions"]["1.1.0"]["status"] == "Archived"
    assert widgets.faults.concurrent_change is None


@pytest.mark.parametrize(
    ("query", "named"),
    [
        # domain is a required URI parameter of ListPackageVersions.
        ("repository=release&format=npm&namespace=acme&package=widgets", "domain"),
        # format must be one of the PackageFormat enum values.
        ("domain=acme&repository=release&format=rust&package=widgets", "format"),
        # max-results is an integer.
        ("domain=acme&repository=release&format=npm&namespace=acme&package=widgets&max-results=ten", "max"),
    ],
)
def test_requests_botocore_would_never_send_are_validated_against_the_model(
    widgets: Emulator, query: str, named: str
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html
    # (URI parameters, their types and valid values). botocore validates these client-side, so
    # only a raw request can show that the server checks them too, as the real service does.
    status, headers, body = http_with_headers(widgets.endpoint, "POST", f"/v1/package/versions?{query}")

    assert status == 400
    assert headers["x-amzn-errortype"].startswith("ValidationException")
    assert named in body["message"].lower()


def test_throttle_ratio_throttles_about_that_share_with_retry_after(widgets: Emulator) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/CommonErrors.html
    # (ThrottlingException 429; Retry-After is the model's retryAfterSeconds header). The share
    # is the emulator's own fault switch (DESIGN.md).
    client = no_retry_client(widgets)
    status, _ = http(
        widgets.endpoint, "POST", "/_emulator/faults", {"throttle_ratio": 0.3, "throttle_retry_after": 4}
    )
    assert status == 200
    throttled: list[int] = []

    for _ in range(200):
        try:
            list_widgets(client)
        except client.exceptions.ThrottlingException as err:
            throttled.append(int(err.response["ResponseMetadata"]["HTTPHeaders"]["retry-after"]))

    # Binomial(200, 0.3): mean 60, standard deviation 6.5; these bounds are 5 deviations wide.
    assert 28 <= len(throttled) <= 92
    assert set(throttled) == {4}
    assert widgets.stats() == {"ListPackageVersions": 200}


def test_throttle_ratio_one_throttles_everything_and_zero_nothing(widgets: Emulator) -> None:
    # Source: DESIGN.md, 'Emulator introspection' (the emulator's own API, not AWS's)
    client = no_retry_client(widgets)
    outcomes: list[str] = []

    for ratio in (1.0, 0.0):
        widgets.faults.throttle_ratio = ratio
        for _ in range(5):
            try:
                list_widgets(client)
                outcomes.append("ok")
            except client.exceptions.ThrottlingException:
                outcomes.append("throttled")

    assert outcomes == ["throttled"] * 5 + ["ok"] * 5


def raw_request(endpoint: str, request: bytes) -> tuple[int, dict[str, Any]]:
    """Send bytes botocore would never send; (status, JSON body) of the answer.

    A connection closed without an answer fails the test (AssertionError) instead of hanging.
    """
    host, port = endpoint.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = conn.recv(4096)
            assert chunk, f"connection closed without an answer after {answer!r}"
            answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        length = int(
            next(
                line.split(b":")[1]
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
        )
        while len(body) < length:
            chunk = conn.recv(4096)
            assert chunk, "connection closed in the middle of the body"
            body += chunk
    return int(head.split(b" ")[1]), json.loads(body)


@pytest.mark.parametrize(
    "request_bytes",
    [
        # An unreadable Content-Length.
        b"POST /v1/package/versions?domain=acme&repository=release&format=npm&package=widgets "
        b"HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        # A negative one.
        b"POST /v1/package/versions?domain=acme&repository=release&format=npm&package=widgets "
        b"HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        # A chunked body whose chunk size is not hexadecimal.
        b"POST /v1/package/versions?domain=acme&repository=release&format=npm&package=widgets "
        b"HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    ],
    ids=["content-length-abc", "content-length-negative", "bad-chunk-size"],
)
def test_broken_body_framing_answers_a_json_error_and_the_server_lives_on(
    widgets: Emulator, codeartifact: CodeArtifactClient, request_bytes: bytes
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/CommonErrors.html
    # (ValidationException 400). Before: the handler thread died and the client got no answer.
    status, body = raw_request(widgets.endpoint, request_bytes)

    assert status == 400
    assert "length" in body["message"]
    assert list_widgets(codeartifact) == ["1.0.0", "1.1.0", "1.2.0"]


def test_a_wrong_content_type_or_malformed_json_is_a_validation_error(widgets: Emulator) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/CommonErrors.html
    query = "domain=acme&repository=release&format=npm&namespace=acme&package=widgets"
    path = f"/v1/package/versions/update_status?{query}"
    for body in (b"{not json", b"[1, 2]", b'{"versions": "1.0.0", "targetStatus": "Archived"}'):
        status, document = raw_request(
            widgets.endpoint,
            b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body,
        )
        assert status == 400, body
        assert document["message"], body

    assert widgets.version_status(DOMAIN, REPO, "npm", "acme", "widgets", "1.0.0") == "Published"


def test_concurrent_clients_on_several_threads_see_a_consistent_store(repo: Emulator) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/service-event-format-example.html
    # (sequenceNumber orders the events of one package). Eight clients archive disjoint
    # versions of one package at once while listing it: every write lands exactly once and the
    # package's event sequence numbers stay unique and gap-free.
    versions = [f"1.{i}.0" for i in range(80)]
    for i, version in enumerate(versions):
        repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", version, published=at(i))
    errors: list[BaseException] = []

    def worker(mine: list[str]) -> None:
        client = no_retry_client(repo)
        try:
            for version in mine:
                client.list_package_versions(
                    domain=DOMAIN,
                    repository=REPO,
                    format="npm",
                    namespace="acme",
                    package="widgets",
                    maxResults=7,
                )
                result = client.update_package_versions_status(
                    domain=DOMAIN,
                    repository=REPO,
                    format="npm",
                    namespace="acme",
                    package="widgets",
                    versions=[version],
                    expectedStatus="Published",
                    targetStatus="Archived",
                )
                assert result["failedVersions"] == {}, result
        except BaseException as exc:  # collected: an assertion in a thread would be lost
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(versions[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert repo.stats() == {"ListPackageVersions": 80, "UpdatePackageVersionsStatus": 80}
    assert set(statuses(no_retry_client(repo), "npm", "acme", "widgets").values()) == {"Archived"}
    sequence = sorted(e["detail"]["sequenceNumber"] for e in repo.events)
    assert sequence == list(range(1, 81))
    assert len({e["detail"]["eventDeduplicationId"] for e in repo.events}) == 80


def test_denied_operations_raise_access_denied_like_iam(
    widgets: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/CommonErrors.html
    # (AccessDeniedException 403) and https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    # ("User: <arn> is not authorized to perform: <action> on resource: <arn> because no
    # identity-based policy allows the <action> action"). The deny switch is the emulator's own.
    status, body = http(widgets.endpoint, "POST", "/_emulator/faults", {"deny": ["ListPackages"]})
    assert (status, body["deny"]) == (200, ["ListPackages"])

    with pytest.raises(codeartifact.exceptions.AccessDeniedException) as err:
        codeartifact.list_packages(domain=DOMAIN, repository=REPO)

    response = err.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert response["Error"]["Code"] == "AccessDeniedException"
    assert response["Error"]["Message"] == (
        "User: arn:aws:iam::111122223333:user/test is not authorized to perform: "
        "codeartifact:ListPackages on resource: "
        f"arn:aws:codeartifact:{REGION}:111122223333:repository/{DOMAIN}/{REPO} "
        "because no identity-based policy allows the codeartifact:ListPackages action"
    )
    # Other operations are unaffected, and clearing the faults lifts the denial.
    assert list_widgets(codeartifact) == ["1.0.0", "1.1.0", "1.2.0"]
    http(widgets.endpoint, "POST", "/_emulator/faults", {})
    assert [p["package"] for p in codeartifact.list_packages(domain=DOMAIN, repository=REPO)["packages"]] == [
        "widgets"
    ]


def test_seeded_asset_sizes_are_listed_and_paged(repo: Emulator, codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersionAssets.html
    # (assets[].name/size/hashes, maxResults, nextToken). Sizes come from the seeding API.
    repo.add_version(
        DOMAIN, REPO, "npm", "acme", "widgets", "1.0.0", assets=[("a.tgz", 10), ("b.tgz", 20), ("c", 3)]
    )
    params: dict[str, Any] = {
        "domain": DOMAIN,
        "repository": REPO,
        "format": "npm",
        "namespace": "acme",
        "package": "widgets",
        "packageVersion": "1.0.0",
        "maxResults": 2,
    }

    first = codeartifact.list_package_version_assets(**params)
    second = codeartifact.list_package_version_assets(**params, nextToken=first["nextToken"])

    assert [(a["name"], a.get("size")) for a in first["assets"]] == [("a.tgz", 10), ("b.tgz", 20)]
    assert [(a["name"], a.get("size")) for a in second["assets"]] == [("c", 3)]
    assert "nextToken" not in second
