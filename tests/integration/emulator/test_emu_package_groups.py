"""Package groups through boto3: origin restrictions enforced on publish, and deletion re-parenting.

Sources:
https://docs.aws.amazon.com/codeartifact/latest/ug/package-group-origin-controls.html
  (PUBLISH: ALLOW publishes to all repositories, BLOCK to none, ALLOW_SPECIFIC_REPOSITORIES only to
  the repositories in the allowed list for publishing, INHERIT from the first parent group whose
  setting is not INHERIT)
botocore service model, DeletePackageGroup: "When a package group is deleted, the direct child
  package groups will become children of the package group's direct parent package group."
"""

from __future__ import annotations

import hashlib

import botocore.exceptions
import pytest
from ca_emulator import Emulator
from emu_contract import DOMAIN, REPO
from mypy_boto3_codeartifact import CodeArtifactClient

OTHER = "staging"


def publish(client: CodeArtifactClient, repository: str, package: str, version: str = "1.0.0") -> None:
    content = f"{package} {version}".encode()
    client.publish_package_version(
        domain=DOMAIN,
        repository=repository,
        format="generic",
        namespace="tools",
        package=package,
        packageVersion=version,
        assetContent=content,
        assetName=f"{package}.bin",
        assetSHA256=hashlib.sha256(content).hexdigest(),
    )


def refused(client: CodeArtifactClient, repository: str, package: str, version: str = "1.0.0") -> int:
    """Publish, expecting a refusal; the HTTP status of it."""
    with pytest.raises(botocore.exceptions.ClientError) as err:
        publish(client, repository, package, version)
    assert err.value.response["Error"]["Code"] == "AccessDeniedException"
    status: int = err.value.response["ResponseMetadata"]["HTTPStatusCode"]
    return status


def versions(client: CodeArtifactClient, repository: str, package: str) -> list[str]:
    try:
        listed = client.list_package_versions(
            domain=DOMAIN, repository=repository, format="generic", namespace="tools", package=package
        )
    except client.exceptions.ResourceNotFoundException:
        return []
    return [v["version"] for v in listed["versions"]]


@pytest.fixture
def two_repos(repo: Emulator, codeartifact: CodeArtifactClient) -> CodeArtifactClient:
    repo.create_repository(DOMAIN, OTHER)
    return codeartifact


def test_group_publish_block_stops_a_publish_of_a_new_package(two_repos: CodeArtifactClient) -> None:
    two_repos.create_package_group(domain=DOMAIN, packageGroup="/generic/tools/*")
    two_repos.update_package_group_origin_configuration(
        domain=DOMAIN, packageGroup="/generic/tools/*", restrictions={"PUBLISH": "BLOCK"}
    )

    assert refused(two_repos, REPO, "cli") == 403
    assert versions(two_repos, REPO, "cli") == []
    # A package outside the group still publishes (the root group allows everything).
    content = b"other"
    two_repos.publish_package_version(
        domain=DOMAIN,
        repository=REPO,
        format="generic",
        namespace="elsewhere",
        package="cli",
        packageVersion="1.0.0",
        assetContent=content,
        assetName="cli.bin",
        assetSHA256=hashlib.sha256(content).hexdigest(),
    )


def test_allow_specific_repositories_allows_only_the_listed_ones(two_repos: CodeArtifactClient) -> None:
    two_repos.create_package_group(domain=DOMAIN, packageGroup="/generic/tools/*")
    two_repos.update_package_group_origin_configuration(
        domain=DOMAIN,
        packageGroup="/generic/tools/*",
        restrictions={"PUBLISH": "ALLOW_SPECIFIC_REPOSITORIES"},
        addAllowedRepositories=[{"repositoryName": REPO, "originRestrictionType": "PUBLISH"}],
    )

    publish(two_repos, REPO, "cli")
    assert refused(two_repos, OTHER, "cli") == 403
    assert versions(two_repos, REPO, "cli") == ["1.0.0"]
    assert versions(two_repos, OTHER, "cli") == []


def test_inherit_walks_to_the_first_parent_that_does_not_inherit(two_repos: CodeArtifactClient) -> None:
    # /generic/* blocks; /generic/tools/* inherits; /generic/tools/cli$ inherits too.
    for group in ("/generic/*", "/generic/tools/*", "/generic/tools/cli$"):
        two_repos.create_package_group(domain=DOMAIN, packageGroup=group)
    two_repos.update_package_group_origin_configuration(
        domain=DOMAIN, packageGroup="/generic/*", restrictions={"PUBLISH": "BLOCK"}
    )
    two_repos.update_package_group_origin_configuration(
        domain=DOMAIN, packageGroup="/generic/tools/cli$", restrictions={"PUBLISH": "INHERIT"}
    )
    assert refused(two_repos, REPO, "cli") == 403

    # When the middle group allows, its child inherits the allow.
    two_repos.update_package_group_origin_configuration(
        domain=DOMAIN, packageGroup="/generic/tools/*", restrictions={"PUBLISH": "ALLOW"}
    )
    publish(two_repos, REPO, "cli")
    assert versions(two_repos, REPO, "cli") == ["1.0.0"]


def test_block_wins_whichever_level_says_it(repo: Emulator, codeartifact: CodeArtifactClient) -> None:
    # The group allows, the package blocks: blocked.
    codeartifact.create_package_group(domain=DOMAIN, packageGroup="/generic/tools/*")
    codeartifact.update_package_group_origin_configuration(
        domain=DOMAIN, packageGroup="/generic/tools/*", restrictions={"PUBLISH": "ALLOW"}
    )
    codeartifact.put_package_origin_configuration(
        domain=DOMAIN,
        repository=REPO,
        format="generic",
        namespace="tools",
        package="cli",
        restrictions={"publish": "BLOCK", "upstream": "ALLOW"},
    )
    assert refused(codeartifact, REPO, "cli") == 403
    # The package allows, the group blocks: blocked.
    publish(codeartifact, REPO, "lib")
    codeartifact.update_package_group_origin_configuration(
        domain=DOMAIN, packageGroup="/generic/tools/*", restrictions={"PUBLISH": "BLOCK"}
    )
    assert repo.origin_configuration(DOMAIN, REPO, "generic", "tools", "lib")["publish"] == "ALLOW"
    assert refused(codeartifact, REPO, "lib", "2.0.0") == 403
    assert versions(codeartifact, REPO, "lib") == ["1.0.0"]


def test_deleting_a_group_moves_its_children_to_its_parent(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    for group in ("/npm/*", "/npm/acme/*", "/npm/acme/widgets$", "/npm/acme/tools$"):
        codeartifact.create_package_group(domain=DOMAIN, packageGroup=group)
    codeartifact.update_package_group_origin_configuration(
        domain=DOMAIN, packageGroup="/npm/*", restrictions={"PUBLISH": "BLOCK"}
    )
    codeartifact.update_package_group_origin_configuration(
        domain=DOMAIN, packageGroup="/npm/acme/*", restrictions={"PUBLISH": "ALLOW"}
    )
    codeartifact.update_package_group_origin_configuration(
        domain=DOMAIN, packageGroup="/npm/acme/widgets$", restrictions={"PUBLISH": "INHERIT"}
    )
    before = codeartifact.describe_package_group(domain=DOMAIN, packageGroup="/npm/acme/widgets$")[
        "packageGroup"
    ]
    assert before["parent"]["pattern"] == "/npm/acme/*"
    assert before["originConfiguration"]["restrictions"]["PUBLISH"]["effectiveMode"] == "ALLOW"

    deleted = codeartifact.delete_package_group(domain=DOMAIN, packageGroup="/npm/acme/*")

    assert deleted["packageGroup"]["pattern"] == "/npm/acme/*"
    for child in ("/npm/acme/widgets$", "/npm/acme/tools$"):
        after = codeartifact.describe_package_group(domain=DOMAIN, packageGroup=child)["packageGroup"]
        assert after["parent"]["pattern"] == "/npm/*"
    # The inheriting child now inherits from its new parent: "those settings could change".
    widgets = codeartifact.describe_package_group(domain=DOMAIN, packageGroup="/npm/acme/widgets$")
    publish_restriction = widgets["packageGroup"]["originConfiguration"]["restrictions"]["PUBLISH"]
    assert publish_restriction["effectiveMode"] == "BLOCK"
    assert publish_restriction["inheritedFrom"]["pattern"] == "/npm/*"
    patterns = {g["pattern"] for g in codeartifact.list_package_groups(domain=DOMAIN)["packageGroups"]}
    assert patterns == {"/*", "/npm/*", "/npm/acme/widgets$", "/npm/acme/tools$"}


def test_the_root_group_cannot_be_deleted(repo: Emulator, codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/package-groups.html
    # "The root package group can be modified, but cannot be deleted."
    with pytest.raises(botocore.exceptions.ClientError) as err:
        codeartifact.delete_package_group(domain=DOMAIN, packageGroup="/*")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
