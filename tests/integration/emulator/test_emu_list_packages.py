"""ListPackages: filters and pagination, driven only through boto3.

Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackages.html
(format filter; namespace is a *prefix* match although named --namespace; packagePrefix;
publish/upstream origin-restriction filters; maxResults 1-1000 and nextToken) and
https://docs.aws.amazon.com/codeartifact/latest/ug/list-packages.html
"""

from __future__ import annotations

from typing import Any

import pytest
from ca_emulator import Emulator
from emu_contract import DOMAIN, REPO, T0
from mypy_boto3_codeartifact import CodeArtifactClient

# (format, namespace, name, publish, upstream)
PACKAGES: list[tuple[str, str | None, str, str, str]] = [
    ("npm", "acme", "widgets", "ALLOW", "BLOCK"),
    ("npm", "acme-internal", "tools", "ALLOW", "ALLOW"),
    ("npm", "other", "widgets-extra", "BLOCK", "ALLOW"),
    ("pypi", None, "requests", "BLOCK", "ALLOW"),
    ("maven", "com.acme", "core", "ALLOW", "BLOCK"),
    ("maven", "org.apache", "commons", "BLOCK", "ALLOW"),
    ("generic", "bin", "tool", "ALLOW", "ALLOW"),
]


@pytest.fixture
def seeded(repo: Emulator) -> Emulator:
    for fmt, namespace, name, publish, upstream in PACKAGES:
        repo.add_version(DOMAIN, REPO, fmt, namespace, name, "1.0.0", published=T0)
        repo.set_origin_configuration(DOMAIN, REPO, fmt, namespace, name, publish=publish, upstream=upstream)
    return repo


def keys(packages: list[Any]) -> set[tuple[str, str | None, str]]:
    return {(p["format"], p.get("namespace"), p["package"]) for p in packages}


def test_without_filters_every_package_is_listed_with_its_origin_configuration(
    seeded: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackages.html
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_PackageSummary.html
    # API_PackageSummary: format, namespace (absent when the format has none), package, originConfiguration.
    listed = codeartifact.list_packages(domain=DOMAIN, repository=REPO)["packages"]

    assert keys(listed) == {(f, n, p) for f, n, p, _, _ in PACKAGES}
    by_name = {p["package"]: p for p in listed}
    assert "namespace" not in by_name["requests"]
    assert by_name["widgets"]["originConfiguration"]["restrictions"] == {
        "publish": "ALLOW",
        "upstream": "BLOCK",
    }
    assert by_name["commons"]["originConfiguration"]["restrictions"] == {
        "publish": "BLOCK",
        "upstream": "ALLOW",
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # Only packages of the given format.
        ({"format": "npm"}, {"widgets", "tools", "widgets-extra"}),
        ({"format": "maven"}, {"core", "commons"}),
        # namespace has prefix-matching behaviour: "acme" also matches "acme-internal".
        ({"namespace": "acme"}, {"widgets", "tools"}),
        ({"namespace": "com."}, {"core"}),
        ({"format": "npm", "namespace": "acme-"}, {"tools"}),
        # packagePrefix: names starting with the prefix.
        ({"packagePrefix": "widgets"}, {"widgets", "widgets-extra"}),
        ({"packagePrefix": "widgets-"}, {"widgets-extra"}),
        ({"packagePrefix": "zzz"}, set()),
        # Origin restriction filters (the way to find unlocked packages).
        ({"publish": "BLOCK"}, {"widgets-extra", "requests", "commons"}),
        ({"upstream": "BLOCK"}, {"widgets", "core"}),
        ({"publish": "ALLOW", "upstream": "ALLOW"}, {"tools", "tool"}),
        ({"format": "npm", "publish": "ALLOW"}, {"widgets", "tools"}),
    ],
)
def test_filters_select_exactly_the_matching_packages(
    seeded: Emulator, codeartifact: CodeArtifactClient, filters: dict[str, str], expected: set[str]
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackages.html
    listed = codeartifact.list_packages(domain=DOMAIN, repository=REPO, **filters)["packages"]  # type: ignore[arg-type]

    assert {p["package"] for p in listed} == expected
    assert len(listed) == len(expected)


def test_small_pages_list_every_package_exactly_once(
    seeded: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackages.html
    # API_ListPackages: maxResults bounds a page; nextToken continues; no token on the last page.
    seen: list[tuple[str, str | None, str]] = []
    sizes: list[int] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"domain": DOMAIN, "repository": REPO, "maxResults": 2}
        if token:
            kwargs["nextToken"] = token
        page = codeartifact.list_packages(**kwargs)
        sizes.append(len(page["packages"]))
        seen.extend((p["format"], p.get("namespace"), p["package"]) for p in page["packages"])
        token = page.get("nextToken")
        if not token:
            break

    assert sizes == [2, 2, 2, 1]
    assert len(seen) == len(set(seen)) == len(PACKAGES)
    assert set(seen) == {(f, n, p) for f, n, p, _, _ in PACKAGES}


def test_filtered_pagination_keeps_the_filter_on_every_page(
    seeded: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackages.html
    # The filter parameters are sent with every page request; each page honours them.
    first = codeartifact.list_packages(domain=DOMAIN, repository=REPO, format="npm", maxResults=1)
    names = [p["package"] for p in first["packages"]]
    token = first.get("nextToken")
    while token:
        page = codeartifact.list_packages(
            domain=DOMAIN, repository=REPO, format="npm", maxResults=1, nextToken=token
        )
        names.extend(p["package"] for p in page["packages"])
        token = page.get("nextToken")

    assert sorted(names) == ["tools", "widgets", "widgets-extra"]


def test_max_results_above_1000_is_rejected_by_the_server(
    seeded: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackages.html
    # maxResults range 1-1000: botocore checks only the minimum, so 1001 reaches the server,
    # which answers ValidationException (400).
    with pytest.raises(codeartifact.exceptions.ValidationException) as err:
        codeartifact.list_packages(domain=DOMAIN, repository=REPO, maxResults=1001)

    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_unknown_repository_is_resource_not_found(repo: Emulator, codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackages.html
    with pytest.raises(codeartifact.exceptions.ResourceNotFoundException):
        codeartifact.list_packages(domain=DOMAIN, repository="missing")
