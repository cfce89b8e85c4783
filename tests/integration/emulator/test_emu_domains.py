"""Domains and repositories, driven only through boto3.

Sources:
https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_CreateDomain.html
https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_DescribeDomain.html
https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListDomains.html
https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_CreateRepository.html
https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListRepositories.html
https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListRepositoriesInDomain.html
"""

from __future__ import annotations

from datetime import datetime

import pytest
from ca_emulator import Emulator
from emu_contract import ACCOUNT, DOMAIN, REGION, REPO
from mypy_boto3_codeartifact import CodeArtifactClient


def test_create_domain_returns_its_description_and_describe_and_list_agree(
    codeartifact: CodeArtifactClient,
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_CreateDomain.html
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_DescribeDomain.html
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListDomains.html
    # API_CreateDomain / API_DescribeDomain: DomainDescription with name, owner, arn, status, createdTime.
    created = codeartifact.create_domain(domain=DOMAIN)["domain"]

    assert created["name"] == DOMAIN
    assert created["owner"] == ACCOUNT
    assert created["arn"] == f"arn:aws:codeartifact:{REGION}:{ACCOUNT}:domain/{DOMAIN}"
    assert created["status"] == "Active"
    assert isinstance(created["createdTime"], datetime)
    assert created["createdTime"].tzinfo is not None

    described = codeartifact.describe_domain(domain=DOMAIN)["domain"]
    assert described["name"] == DOMAIN
    assert described["arn"] == created["arn"]
    assert described["repositoryCount"] == 0

    listed = codeartifact.list_domains()["domains"]
    assert [(d["name"], d["owner"], d["status"]) for d in listed] == [(DOMAIN, ACCOUNT, "Active")]


def test_creating_an_existing_domain_is_a_conflict(codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_CreateDomain.html
    # API_CreateDomain errors: ConflictException (409) when the domain already exists.
    codeartifact.create_domain(domain=DOMAIN)

    with pytest.raises(codeartifact.exceptions.ConflictException) as err:
        codeartifact.create_domain(domain=DOMAIN)

    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_describe_unknown_domain_is_resource_not_found(codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_DescribeDomain.html
    # API_DescribeDomain errors: ResourceNotFoundException 404 naming the resource.
    with pytest.raises(codeartifact.exceptions.ResourceNotFoundException) as err:
        codeartifact.describe_domain(domain="nowhere")

    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert err.value.response.get("resourceType") == "domain"


def test_list_domains_pages_with_small_max_results(codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListDomains.html
    # API_ListDomains: maxResults per page, nextToken until the last page.
    names = [f"dom-{i:02d}" for i in range(5)]
    for name in names:
        codeartifact.create_domain(domain=name)

    seen: list[str] = []
    pages = 0
    kwargs: dict[str, object] = {"maxResults": 2}
    while True:
        page = codeartifact.list_domains(**kwargs)  # type: ignore[arg-type]
        pages += 1
        assert len(page["domains"]) <= 2
        seen.extend(d["name"] for d in page["domains"])
        if "nextToken" not in page:
            break
        kwargs["nextToken"] = page["nextToken"]

    assert pages == 3
    assert sorted(seen) == names
    assert len(seen) == len(set(seen))


def test_create_repository_returns_description_and_counts_in_domain(codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_CreateRepository.html
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_DescribeRepository.html
    # API_CreateRepository: RepositoryDescription; API_DescribeDomain: repositoryCount.
    codeartifact.create_domain(domain=DOMAIN)

    created = codeartifact.create_repository(domain=DOMAIN, repository=REPO, description="releases")[
        "repository"
    ]

    assert created["name"] == REPO
    assert created["domainName"] == DOMAIN
    assert created["domainOwner"] == ACCOUNT
    assert created["administratorAccount"] == ACCOUNT
    assert created["arn"] == f"arn:aws:codeartifact:{REGION}:{ACCOUNT}:repository/{DOMAIN}/{REPO}"
    assert created["description"] == "releases"
    assert codeartifact.describe_domain(domain=DOMAIN)["domain"]["repositoryCount"] == 1
    described = codeartifact.describe_repository(domain=DOMAIN, repository=REPO)["repository"]
    assert described["arn"] == created["arn"]


def test_create_repository_in_unknown_domain_is_resource_not_found(codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_CreateRepository.html
    # API_CreateRepository errors: ResourceNotFoundException when the domain does not exist.
    with pytest.raises(codeartifact.exceptions.ResourceNotFoundException):
        codeartifact.create_repository(domain="nowhere", repository=REPO)


def test_creating_an_existing_repository_is_a_conflict(codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_CreateRepository.html
    # API_CreateRepository errors: ConflictException.
    codeartifact.create_domain(domain=DOMAIN)
    codeartifact.create_repository(domain=DOMAIN, repository=REPO)

    with pytest.raises(codeartifact.exceptions.ConflictException):
        codeartifact.create_repository(domain=DOMAIN, repository=REPO)


def test_list_repositories_filters_by_prefix_across_domains(
    emulator: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListRepositories.html
    # API_ListRepositories: every repository of the account, repositoryPrefix filters by name start.
    emulator.create_domain(DOMAIN)
    emulator.create_domain("other")
    for repo in ("release", "ci-main", "ci-dev"):
        emulator.create_repository(DOMAIN, repo)
    emulator.create_repository("other", "ci-other")

    everything = codeartifact.list_repositories()["repositories"]
    ci_only = codeartifact.list_repositories(repositoryPrefix="ci-")["repositories"]

    assert sorted((r["domainName"], r["name"]) for r in everything) == [
        ("acme", "ci-dev"),
        ("acme", "ci-main"),
        ("acme", "release"),
        ("other", "ci-other"),
    ]
    assert sorted(r["name"] for r in ci_only) == ["ci-dev", "ci-main", "ci-other"]


def test_list_repositories_in_domain_prefix_and_pagination(
    emulator: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListRepositoriesInDomain.html
    # API_ListRepositoriesInDomain: only that domain, repositoryPrefix, pages of maxResults.
    emulator.create_domain(DOMAIN)
    emulator.create_domain("other")
    names = [f"ci-{i}" for i in range(5)] + ["release"]
    for name in names:
        emulator.create_repository(DOMAIN, name)
    emulator.create_repository("other", "ci-9")

    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        page = (
            codeartifact.list_repositories_in_domain(
                domain=DOMAIN, repositoryPrefix="ci-", maxResults=2, nextToken=token
            )
            if token
            else codeartifact.list_repositories_in_domain(domain=DOMAIN, repositoryPrefix="ci-", maxResults=2)
        )
        pages += 1
        seen.extend(r["name"] for r in page["repositories"])
        token = page.get("nextToken")
        if not token:
            break

    assert pages == 3
    assert sorted(seen) == [f"ci-{i}" for i in range(5)]
    assert len(seen) == len(set(seen))
    everything = codeartifact.list_repositories_in_domain(domain=DOMAIN)["repositories"]
    assert sorted(r["name"] for r in everything) == sorted(names)
    assert {r["domainName"] for r in everything} == {DOMAIN}


def test_list_repositories_in_unknown_domain_is_resource_not_found(codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListRepositoriesInDomain.html
    with pytest.raises(codeartifact.exceptions.ResourceNotFoundException) as err:
        codeartifact.list_repositories_in_domain(domain="nowhere")

    assert err.value.response.get("resourceType") == "domain"
