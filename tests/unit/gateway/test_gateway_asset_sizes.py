"""``version_asset_bytes``: a version's billed bytes from ListPackageVersionAssets, paged, with the
gateway's error mapping. A stubbed boto3 client, no sockets."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber
from ca_lifecycle.gateway import AccessDenied, CodeArtifactGateway, InvalidResponse, Throttled
from gateway_stubs import NPM, NPM_PARAMS, PYPI

ASSET_PARAMS = {**NPM_PARAMS, "packageVersion": "1.0.0", "maxResults": 1000}


def _page(*sizes: int | None, token: str | None = None) -> dict[str, Any]:
    assets: list[dict[str, Any]] = []
    for i, size in enumerate(sizes):
        asset: dict[str, Any] = {"name": f"asset-{i}"}
        if size is not None:
            asset["size"] = size
        assets.append(asset)
    page: dict[str, Any] = {"assets": assets}
    if token is not None:
        page["nextToken"] = token
    return page


def test_sizes_are_summed_across_pages_of_1000(stubbed: tuple[CodeArtifactGateway, Stubber]) -> None:
    # Given two pages of assets, the second one asked for with the first one's token
    gateway, stubber = stubbed
    stubber.add_response("list_package_version_assets", _page(1000, 24, token="t1"), ASSET_PARAMS)
    stubber.add_response("list_package_version_assets", _page(2048), {**ASSET_PARAMS, "nextToken": "t1"})

    # When sizing the version
    total = gateway.version_asset_bytes(NPM, "1.0.0")

    # Then every page counted
    assert total == 1000 + 24 + 2048


def test_no_namespace_no_owner_and_no_assets_is_zero(stubbed: tuple[CodeArtifactGateway, Stubber]) -> None:
    gateway, stubber = stubbed
    params = {
        "domain": "acme",
        "repository": "release",
        "format": "pypi",
        "package": "requests",
        "packageVersion": "2.0",
        "maxResults": 1000,
    }
    stubber.add_response("list_package_version_assets", {"assets": []}, params)
    assert gateway.version_asset_bytes(PYPI, "2.0") == 0


def test_an_asset_without_size_counts_zero(stubbed: tuple[CodeArtifactGateway, Stubber]) -> None:
    gateway, stubber = stubbed
    stubber.add_response("list_package_version_assets", _page(10, None, 5), ASSET_PARAMS)
    assert gateway.version_asset_bytes(NPM, "1.0.0") == 15


def test_a_version_gone_since_the_listing_holds_no_bytes(
    stubbed: tuple[CodeArtifactGateway, Stubber],
) -> None:
    # Given the version was deleted after it was listed
    gateway, stubber = stubbed
    stubber.add_client_error(
        "list_package_version_assets", "ResourceNotFoundException", "Package version not found", 404
    )
    # When sizing it, Then 0 (nothing is billed), not an error aborting the plan
    assert gateway.version_asset_bytes(NPM, "1.0.0") == 0


@pytest.mark.parametrize(
    ("code", "status", "kind", "text"),
    [
        (
            "AccessDeniedException",
            403,
            AccessDenied,
            "missing permission codeartifact:ListPackageVersionAssets",
        ),
        ("ThrottlingException", 429, Throttled, "ListPackageVersionAssets: ThrottlingException"),
    ],
)
def test_errors_are_mapped_like_every_other_call(
    stubbed: tuple[CodeArtifactGateway, Stubber], code: str, status: int, kind: type[Exception], text: str
) -> None:
    gateway, stubber = stubbed
    stubber.add_client_error("list_package_version_assets", code, "no", status)
    with pytest.raises(kind) as caught:
        gateway.version_asset_bytes(NPM, "1.0.0")
    assert type(caught.value) is kind
    assert text in str(caught.value)


def test_a_repeated_page_token_fails_instead_of_looping(stubbed: tuple[CodeArtifactGateway, Stubber]) -> None:
    gateway, stubber = stubbed
    stubber.add_response("list_package_version_assets", _page(1, token="t1"), ASSET_PARAMS)
    stubber.add_response(
        "list_package_version_assets", _page(2, token="t1"), {**ASSET_PARAMS, "nextToken": "t1"}
    )
    with pytest.raises(InvalidResponse, match="nextToken: repeated"):
        gateway.version_asset_bytes(NPM, "1.0.0")


def test_a_negative_size_is_an_invalid_response_naming_the_field(
    stubbed: tuple[CodeArtifactGateway, Stubber],
) -> None:
    gateway, stubber = stubbed
    stubber.add_response("list_package_version_assets", _page(5, -1), ASSET_PARAMS)
    with pytest.raises(InvalidResponse, match=r"assets\[1\]\.size"):
        gateway.version_asset_bytes(NPM, "1.0.0")
