"""DescribePackage and DescribePackageVersion, driven only through boto3.

Sources:
https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_DescribePackageVersion.html
https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_PackageVersionDescription.html
https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_PackageVersionOrigin.html
https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_DescribePackage.html
"""

from __future__ import annotations

from datetime import datetime

import pytest
from ca_emulator import Emulator
from emu_contract import DOMAIN, REPO, at, ns, revisions
from mypy_boto3_codeartifact import CodeArtifactClient


def test_describe_package_version_reports_published_time_revision_status_and_origin(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_DescribePackageVersion.html
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_PackageVersionOrigin.html
    revision = repo.add_version(
        DOMAIN,
        REPO,
        "maven",
        "com.acme",
        "core",
        "1.2.3",
        status="Unlisted",
        published=at(90),
        origin="INTERNAL",
    )

    described = codeartifact.describe_package_version(
        domain=DOMAIN,
        repository=REPO,
        format="maven",
        namespace="com.acme",
        package="core",
        packageVersion="1.2.3",
    )["packageVersion"]

    assert described["format"] == "maven"
    assert described["namespace"] == "com.acme"
    assert described["packageName"] == "core"
    assert described["version"] == "1.2.3"
    # publishedTime is a Timestamp: botocore hands back a tz-aware datetime equal to the seeded one.
    assert isinstance(described["publishedTime"], datetime)
    assert described["publishedTime"] == at(90)
    assert described["revision"] == revision
    assert described["status"] == "Unlisted"
    assert described["origin"]["originType"] == "INTERNAL"
    # A version published directly entered the domain through this repository.
    assert described["origin"]["domainEntryPoint"].get("repositoryName") == REPO


def test_external_origin_is_reported(repo: Emulator, codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_PackageVersionOrigin.html
    repo.add_version(DOMAIN, REPO, "npm", None, "lodash", "4.17.21", published=at(0), origin="EXTERNAL")

    described = codeartifact.describe_package_version(
        domain=DOMAIN, repository=REPO, format="npm", package="lodash", packageVersion="4.17.21"
    )["packageVersion"]

    assert described["origin"]["originType"] == "EXTERNAL"
    assert "namespace" not in described


def test_listed_revision_equals_described_revision(repo: Emulator, codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_PackageVersionSummary.html
    for i in range(3):
        repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", f"1.{i}.0", published=at(i))

    listed = revisions(codeartifact, "npm", "acme", "widgets")

    for version, revision in listed.items():
        described = codeartifact.describe_package_version(
            domain=DOMAIN,
            repository=REPO,
            format="npm",
            namespace="acme",
            package="widgets",
            packageVersion=version,
        )["packageVersion"]
        assert described["revision"] == revision
    assert len(set(listed.values())) == 3


def test_missing_version_is_resource_not_found(repo: Emulator, codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_DescribePackageVersion.html
    repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", "1.0.0", published=at(0))

    with pytest.raises(codeartifact.exceptions.ResourceNotFoundException) as err:
        codeartifact.describe_package_version(
            domain=DOMAIN,
            repository=REPO,
            format="npm",
            namespace="acme",
            package="widgets",
            packageVersion="9.9.9",
        )

    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert err.value.response.get("resourceType") == "package-version"


def test_describe_package_reports_names_and_origin_configuration(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_DescribePackage.html
    repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", "1.0.0", published=at(0))
    repo.set_origin_configuration(DOMAIN, REPO, "npm", "acme", "widgets", publish="BLOCK", upstream="ALLOW")

    package = codeartifact.describe_package(
        domain=DOMAIN, repository=REPO, format="npm", namespace="acme", package="widgets"
    )["package"]

    assert (package["format"], package["namespace"], package["name"]) == ("npm", "acme", "widgets")
    assert package["originConfiguration"]["restrictions"] == {"publish": "BLOCK", "upstream": "ALLOW"}


def test_describe_missing_package_is_resource_not_found(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_DescribePackage.html
    with pytest.raises(codeartifact.exceptions.ResourceNotFoundException) as err:
        codeartifact.describe_package(
            domain=DOMAIN, repository=REPO, format="npm", namespace="acme", package="nope"
        )

    assert err.value.response.get("resourceType") == "package"


@pytest.mark.parametrize(
    ("fmt", "namespace", "name", "display"),
    [
        # The page's own example: npm package "ui" in namespace "vue" displays as "@vue/ui".
        ("npm", "vue", "ui", "@vue/ui"),
        ("npm", None, "lodash", "lodash"),
        ("pypi", None, "requests", "requests"),
    ],
)
def test_display_name_follows_the_format(
    repo: Emulator, codeartifact: CodeArtifactClient, fmt: str, namespace: str | None, name: str, display: str
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_PackageVersionDescription.html
    repo.add_version(DOMAIN, REPO, fmt, namespace, name, "1.0.0", published=at(0))

    described = codeartifact.describe_package_version(
        domain=DOMAIN,
        repository=REPO,
        format=fmt,  # type: ignore[arg-type]
        package=name,
        packageVersion="1.0.0",
        **ns(namespace),
    )["packageVersion"]

    assert described["displayName"] == display
