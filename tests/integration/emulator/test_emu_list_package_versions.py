"""ListPackageVersions: filters, ordering, bounds and pagination, driven only through boto3.

Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html
(status filter; originType filter; sortBy PUBLISHED_TIME lists the most recently published first;
maxResults 1-1000; nextToken; defaultDisplayVersion) and
https://docs.aws.amazon.com/codeartifact/latest/ug/list-packages-versions.html
"""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import pytest
from ca_emulator import Emulator
from emu_contract import DOMAIN, REPO, at, list_all_versions
from mypy_boto3_codeartifact import CodeArtifactClient

# version -> (minutes after T0, status, origin). Version order deliberately differs from time order.
VERSIONS: dict[str, tuple[int, str, str]] = {
    "1.0.0": (0, "Archived", "INTERNAL"),
    "2.0.0": (10, "Published", "INTERNAL"),
    "1.5.0": (20, "Unlisted", "EXTERNAL"),
    "0.9.0": (30, "Disposed", "INTERNAL"),
    "3.0.0-rc.1": (40, "Published", "EXTERNAL"),
    "2.1.0": (50, "Archived", "INTERNAL"),
    "1.1.0": (60, "Published", "INTERNAL"),
}
NEWEST_FIRST = [v for v, _ in sorted(VERSIONS.items(), key=lambda item: item[1][0], reverse=True)]


@pytest.fixture
def widgets(repo: Emulator) -> Emulator:
    for version, (minute, status, origin) in VERSIONS.items():
        repo.add_version(
            DOMAIN,
            REPO,
            "npm",
            "acme",
            "widgets",
            version,
            status=status,
            published=at(minute),
            origin=origin,
        )
    return repo


def test_without_status_filter_every_status_is_listed_with_revision_status_and_origin(
    widgets: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html
    page = codeartifact.list_package_versions(
        domain=DOMAIN, repository=REPO, format="npm", namespace="acme", package="widgets"
    )

    # The response echoes the package it lists.
    assert (page["format"], page["namespace"], page["package"]) == ("npm", "acme", "widgets")
    listed = {v["version"]: v for v in page["versions"]}
    assert {v: s["status"] for v, s in listed.items()} == {v: s for v, (_, s, _) in VERSIONS.items()}
    assert {v: s["origin"]["originType"] for v, s in listed.items()} == {
        v: o for v, (_, _, o) in VERSIONS.items()
    }
    assert all(s["revision"] for s in listed.values())


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Published", {"2.0.0", "3.0.0-rc.1", "1.1.0"}),
        ("Archived", {"1.0.0", "2.1.0"}),
        ("Unlisted", {"1.5.0"}),
        ("Disposed", {"0.9.0"}),
        ("Unfinished", set()),
    ],
)
def test_status_filter_returns_only_that_status(
    widgets: Emulator, codeartifact: CodeArtifactClient, status: str, expected: set[str]
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html
    listed = list_all_versions(codeartifact, "npm", "acme", "widgets", status=status)

    assert {v["version"] for v in listed} == expected
    assert {v["status"] for v in listed} <= {status}


@pytest.mark.parametrize(
    ("origin_type", "expected"),
    [
        ("INTERNAL", {"1.0.0", "2.0.0", "0.9.0", "2.1.0", "1.1.0"}),
        ("EXTERNAL", {"1.5.0", "3.0.0-rc.1"}),
        ("UNKNOWN", set()),
    ],
)
def test_origin_type_filter(
    widgets: Emulator, codeartifact: CodeArtifactClient, origin_type: str, expected: set[str]
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html
    listed = list_all_versions(codeartifact, "npm", "acme", "widgets", originType=origin_type)

    assert {v["version"] for v in listed} == expected


def test_status_and_origin_filters_combine(widgets: Emulator, codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html
    listed = list_all_versions(
        codeartifact, "npm", "acme", "widgets", status="Published", originType="EXTERNAL"
    )

    assert [v["version"] for v in listed] == ["3.0.0-rc.1"]


def test_sort_by_published_time_lists_newest_first(
    widgets: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html
    page = codeartifact.list_package_versions(
        domain=DOMAIN,
        repository=REPO,
        format="npm",
        namespace="acme",
        package="widgets",
        sortBy="PUBLISHED_TIME",
    )

    assert [v["version"] for v in page["versions"]] == NEWEST_FIRST


def test_sorted_and_filtered_keeps_time_order(widgets: Emulator, codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html
    listed = list_all_versions(
        codeartifact, "npm", "acme", "widgets", sortBy="PUBLISHED_TIME", status="Published"
    )

    assert [v["version"] for v in listed] == ["1.1.0", "3.0.0-rc.1", "2.0.0"]


def test_max_results_zero_is_rejected_by_botocore_before_sending(
    widgets: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html
    # The model says min 1 and botocore validates minimums client-side: nothing reaches the server.
    widgets.reset_stats()

    with pytest.raises(botocore.exceptions.ParamValidationError):
        codeartifact.list_package_versions(
            domain=DOMAIN, repository=REPO, format="npm", namespace="acme", package="widgets", maxResults=0
        )

    assert widgets.stats().get("ListPackageVersions", 0) == 0


def test_max_results_1001_is_rejected_by_the_server(
    widgets: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html
    # botocore does not check maximums: 1001 is sent and the server answers ValidationException.
    widgets.reset_stats()

    with pytest.raises(codeartifact.exceptions.ValidationException) as err:
        codeartifact.list_package_versions(
            domain=DOMAIN, repository=REPO, format="npm", namespace="acme", package="widgets", maxResults=1001
        )

    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert widgets.stats().get("ListPackageVersions") == 1


@pytest.mark.parametrize("max_results", [1, 1000])
def test_max_results_bounds_are_accepted(
    widgets: Emulator, codeartifact: CodeArtifactClient, max_results: int
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html
    page = codeartifact.list_package_versions(
        domain=DOMAIN,
        repository=REPO,
        format="npm",
        namespace="acme",
        package="widgets",
        maxResults=max_results,
    )

    assert len(page["versions"]) == min(max_results, len(VERSIONS))
    assert ("nextToken" in page) is (max_results < len(VERSIONS))


@pytest.mark.parametrize("sort_by", [None, "PUBLISHED_TIME"])
@pytest.mark.parametrize("page_size", [1, 3, 7, 10])
def test_small_pages_return_every_version_exactly_once(
    repo: Emulator, codeartifact: CodeArtifactClient, page_size: int, sort_by: str | None
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html
    # Given 53 versions (not a multiple of any page size but 1).
    versions = [f"1.{i}.0" for i in range(53)]
    for i, version in enumerate(versions):
        # Publish times run opposite to the version numbers, so sorted order is checkable.
        repo.add_version(DOMAIN, REPO, "pypi", None, "lib", version, published=at(-i))

    filters: dict[str, Any] = {} if sort_by is None else {"sortBy": sort_by}
    listed = [
        v["version"]
        for v in list_all_versions(codeartifact, "pypi", None, "lib", page_size=page_size, **filters)
    ]

    assert len(listed) == len(set(listed)) == 53
    assert set(listed) == set(versions)
    if sort_by:
        # Pages concatenate into one newest-first order: 1.0.0 is newest (T0), 1.52.0 oldest.
        assert listed == versions


def test_page_sizes_are_exactly_max_results_until_the_last(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html
    for i in range(25):
        repo.add_version(DOMAIN, REPO, "generic", "tools", "cli", f"{i}.0", published=at(i))

    sizes: list[int] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"nextToken": token} if token else {}
        page = codeartifact.list_package_versions(
            domain=DOMAIN,
            repository=REPO,
            format="generic",
            namespace="tools",
            package="cli",
            maxResults=10,
            sortBy="PUBLISHED_TIME",
            **kwargs,
        )
        sizes.append(len(page["versions"]))
        token = page.get("nextToken")
        if not token:
            break

    assert sizes == [10, 10, 5]


def test_default_display_version_is_the_most_recently_published(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html
    # API_ListPackageVersions: for PyPI (and Maven) defaultDisplayVersion is the most recently
    # published package version.
    for version, minute in (("1.0", 0), ("3.0", 10), ("2.0", 20)):
        repo.add_version(DOMAIN, REPO, "pypi", None, "lib", version, published=at(minute))

    page = codeartifact.list_package_versions(domain=DOMAIN, repository=REPO, format="pypi", package="lib")

    assert page["defaultDisplayVersion"] == "2.0"


def test_unknown_package_is_resource_not_found(repo: Emulator, codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html
    with pytest.raises(codeartifact.exceptions.ResourceNotFoundException) as err:
        codeartifact.list_package_versions(
            domain=DOMAIN, repository=REPO, format="npm", namespace="acme", package="nope"
        )

    assert err.value.response.get("resourceType") == "package"


def test_without_max_results_a_page_holds_the_documented_default_of_50(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/list-packages-versions.html
    # "For --max-results, specify an integer from 1 to 1000 ... Its default is 50."
    repo.add_versions(DOMAIN, REPO, "npm", "acme", "many", [(f"1.{i}.0", at(i)) for i in range(120)])
    sizes: list[int] = []
    token: str | None = None
    while True:
        page = codeartifact.list_package_versions(
            domain=DOMAIN,
            repository=REPO,
            format="npm",
            namespace="acme",
            package="many",
            **({"nextToken": token} if token else {}),
        )
        sizes.append(len(page["versions"]))
        token = page.get("nextToken")
        if not token:
            break
    assert sizes == [50, 50, 20]
