"""Generic PublishPackageVersion and per-format name normalization, through boto3.

Sources:
https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_PublishPackageVersion.html
https://docs.aws.amazon.com/codeartifact/latest/ug/using-generic.html
https://docs.aws.amazon.com/codeartifact/latest/ug/package-origin-controls.html (defaults of a new package)
https://docs.aws.amazon.com/codeartifact/latest/ug/python-name-normalization.html
https://docs.aws.amazon.com/codeartifact/latest/ug/nuget-name-normalization.html
https://docs.aws.amazon.com/codeartifact/latest/ug/swift-name-normalization.html
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import botocore.exceptions
import pytest
from ca_emulator import Emulator
from emu_contract import DOMAIN, REPO, at
from mypy_boto3_codeartifact import CodeArtifactClient
from mypy_boto3_codeartifact.type_defs import PublishPackageVersionResultTypeDef


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_publish_generic_creates_a_published_version(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_PublishPackageVersion.html
    content = b"#!/bin/sh\necho hello\n"

    result = codeartifact.publish_package_version(
        domain=DOMAIN,
        repository=REPO,
        format="generic",
        namespace="tools",
        package="hello",
        packageVersion="1.0.0",
        assetContent=content,
        assetName="hello.sh",
        assetSHA256=sha256(content),
    )

    assert (result["format"], result["namespace"], result["package"], result["version"]) == (
        "generic",
        "tools",
        "hello",
        "1.0.0",
    )
    assert result["status"] == "Published"
    assert result["versionRevision"]
    assert result["asset"]["name"] == "hello.sh"
    assert result["asset"]["size"] == len(content)
    assert result["asset"]["hashes"]["SHA-256"] == sha256(content)
    described = codeartifact.describe_package_version(
        domain=DOMAIN,
        repository=REPO,
        format="generic",
        namespace="tools",
        package="hello",
        packageVersion="1.0.0",
    )["packageVersion"]
    assert described["revision"] == result["versionRevision"]
    assert described["status"] == "Published"
    assert isinstance(described["publishedTime"], datetime)
    assert described["origin"]["originType"] == "INTERNAL"


def test_a_directly_published_new_package_gets_publish_allow_upstream_block(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/package-origin-controls.html
    # package-origin-controls: a package first published directly defaults to publish=ALLOW, upstream=BLOCK.
    content = b"x"
    codeartifact.publish_package_version(
        domain=DOMAIN,
        repository=REPO,
        format="generic",
        namespace="tools",
        package="fresh",
        packageVersion="1.0.0",
        assetContent=content,
        assetName="x.bin",
        assetSHA256=sha256(content),
    )

    package = codeartifact.describe_package(
        domain=DOMAIN, repository=REPO, format="generic", namespace="tools", package="fresh"
    )
    assert package["package"]["originConfiguration"]["restrictions"] == {
        "publish": "ALLOW",
        "upstream": "BLOCK",
    }


def test_adding_an_asset_gives_a_new_revision(repo: Emulator, codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_PublishPackageVersion.html
    # A revision identifies the assets and metadata: the first asset leaves the version Unfinished
    # (unfinished=True), the last one publishes it, with a different revision.
    first, last = b"part-1", b"part-2"
    unfinished = codeartifact.publish_package_version(
        domain=DOMAIN,
        repository=REPO,
        format="generic",
        namespace="tools",
        package="bundle",
        packageVersion="2.0.0",
        assetContent=first,
        assetName="a.bin",
        assetSHA256=sha256(first),
        unfinished=True,
    )
    published = codeartifact.publish_package_version(
        domain=DOMAIN,
        repository=REPO,
        format="generic",
        namespace="tools",
        package="bundle",
        packageVersion="2.0.0",
        assetContent=last,
        assetName="b.bin",
        assetSHA256=sha256(last),
    )

    assert unfinished["status"] == "Unfinished"
    assert published["status"] == "Published"
    assert published["versionRevision"] != unfinished["versionRevision"]
    listed = codeartifact.list_package_versions(
        domain=DOMAIN, repository=REPO, format="generic", namespace="tools", package="bundle"
    )["versions"]
    assert [(v["version"], v["status"], v["revision"]) for v in listed] == [
        ("2.0.0", "Published", published["versionRevision"])
    ]


def test_sha256_mismatch_is_rejected_and_nothing_is_created(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_PublishPackageVersion.html
    # assetSHA256 "must be calculated by the caller": a hash of other bytes fails the request.
    with pytest.raises(codeartifact.exceptions.ValidationException):
        codeartifact.publish_package_version(
            domain=DOMAIN,
            repository=REPO,
            format="generic",
            namespace="tools",
            package="broken",
            packageVersion="1.0.0",
            assetContent=b"actual bytes",
            assetName="x.bin",
            assetSHA256=sha256(b"other bytes"),
        )

    assert codeartifact.list_packages(domain=DOMAIN, repository=REPO)["packages"] == []


def test_publish_to_missing_repository_is_resource_not_found(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_PublishPackageVersion.html
    with pytest.raises(codeartifact.exceptions.ResourceNotFoundException):
        codeartifact.publish_package_version(
            domain=DOMAIN,
            repository="missing",
            format="generic",
            namespace="tools",
            package="x",
            packageVersion="1.0.0",
            assetContent=b"x",
            assetName="x.bin",
            assetSHA256=sha256(b"x"),
        )


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("My_Package.Name", "my-package-name"),
        ("pigeon_cli", "pigeon-cli"),
        ("pigeon.cli", "pigeon-cli"),
        ("Flask__Core", "flask-core"),  # a run of separators becomes one "-"
        ("a-_.b", "a-b"),
        ("requests", "requests"),
    ],
)
def test_pypi_names_are_stored_normalized(
    repo: Emulator, codeartifact: CodeArtifactClient, given: str, stored: str
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/python-name-normalization.html
    # python-name-normalization: lowercased, each run of ".", "-", "_" replaced by a single "-";
    # the normalized name must be used in API requests.
    repo.add_version(DOMAIN, REPO, "pypi", None, given, "1.0", published=at(0))

    listed = codeartifact.list_packages(domain=DOMAIN, repository=REPO, format="pypi")["packages"]
    described = codeartifact.describe_package(domain=DOMAIN, repository=REPO, format="pypi", package=stored)[
        "package"
    ]
    versions = codeartifact.list_package_versions(
        domain=DOMAIN, repository=REPO, format="pypi", package=stored
    )

    assert [p["package"] for p in listed] == [stored]
    assert described["name"] == stored
    assert versions["package"] == stored
    assert [v["version"] for v in versions["versions"]] == ["1.0"]


def test_nuget_names_are_lowercased_and_requests_are_normalized(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/nuget-name-normalization.html
    # nuget-name-normalization: names are lowercased; non-normalized names work in API requests.
    repo.add_version(DOMAIN, REPO, "nuget", None, "Newtonsoft.JSON", "12.0.3", published=at(0))

    listed = codeartifact.list_packages(domain=DOMAIN, repository=REPO)["packages"]
    described = codeartifact.describe_package(
        domain=DOMAIN, repository=REPO, format="nuget", package="Newtonsoft.JSON"
    )

    assert [(p["format"], p["package"]) for p in listed] == [("nuget", "newtonsoft.json")]
    assert described["package"]["name"] == "newtonsoft.json"


def test_swift_name_and_namespace_are_lowercased_and_requests_are_normalized(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/swift-name-normalization.html
    # swift-name-normalization: name and namespace lowercased; `--package myPackage --namespace myScope`
    # finds mypackage in myscope.
    repo.add_version(DOMAIN, REPO, "swift", "myScope", "myPackage", "1.0.0", published=at(0))

    listed = codeartifact.list_packages(domain=DOMAIN, repository=REPO)["packages"]
    versions = codeartifact.list_package_versions(
        domain=DOMAIN, repository=REPO, format="swift", namespace="myScope", package="myPackage"
    )

    assert [(p["namespace"], p["package"]) for p in listed] == [("myscope", "mypackage")]
    assert (versions["namespace"], versions["package"]) == ("myscope", "mypackage")
    assert [v["version"] for v in versions["versions"]] == ["1.0.0"]


def publish_asset(
    client: CodeArtifactClient, asset: str, content: bytes, *, unfinished: bool = False
) -> PublishPackageVersionResultTypeDef:
    return client.publish_package_version(
        domain=DOMAIN,
        repository=REPO,
        format="generic",
        namespace="tools",
        package="bundle",
        packageVersion="3.0.0",
        assetContent=content,
        assetName=asset,
        assetSHA256=sha256(content),
        unfinished=unfinished,
    )


def test_republishing_an_asset_with_other_content_is_a_conflict(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/packages-overview.html#package-publishing-overwrite-assets
    # packages-overview.html#package-publishing-overwrite-assets: an existing asset can be published
    # again only with identical checksums; different content under the same name is HTTP 409.
    first = publish_asset(codeartifact, "a.bin", b"original", unfinished=True)

    with pytest.raises(codeartifact.exceptions.ConflictException) as err:
        publish_asset(codeartifact, "a.bin", b"tampered", unfinished=True)
    again = publish_asset(codeartifact, "a.bin", b"original", unfinished=True)

    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert again["asset"]["hashes"]["SHA-256"] == sha256(b"original")
    assert current_revision(codeartifact) == first["versionRevision"] == again["versionRevision"]


def test_a_published_generic_version_takes_no_new_asset(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/packages-overview.html#package-publishing-overwrite-assets
    # Same page: new assets can be added to a generic version only while it is Unfinished.
    published = publish_asset(codeartifact, "a.bin", b"one")

    with pytest.raises(botocore.exceptions.ClientError) as err:
        publish_asset(codeartifact, "b.bin", b"two")

    assert 400 <= err.value.response["ResponseMetadata"]["HTTPStatusCode"] < 500
    assert current_revision(codeartifact) == published["versionRevision"]


def current_revision(client: CodeArtifactClient) -> str:
    described = client.describe_package_version(
        domain=DOMAIN,
        repository=REPO,
        format="generic",
        namespace="tools",
        package="bundle",
        packageVersion="3.0.0",
    )
    return described["packageVersion"]["revision"]


def test_pypi_requests_with_a_non_normalized_name_find_nothing(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/python-name-normalization.html
    # "The non-normalized name can be used by pip and twine but the normalized name must be used
    # in CodeArtifact CLI or API requests (such as list-package-versions)".
    repo.add_version(DOMAIN, REPO, "pypi", None, "pigeon_cli", "1.0", published=at(0))

    found = codeartifact.list_package_versions(
        domain=DOMAIN, repository=REPO, format="pypi", package="pigeon-cli"
    )
    with pytest.raises(codeartifact.exceptions.ResourceNotFoundException) as err:
        codeartifact.list_package_versions(
            domain=DOMAIN, repository=REPO, format="pypi", package="pigeon_cli"
        )
    with pytest.raises(codeartifact.exceptions.ValidationException):
        codeartifact.put_package_origin_configuration(
            domain=DOMAIN,
            repository=REPO,
            format="pypi",
            package="Pigeon.CLI",
            restrictions={"publish": "BLOCK", "upstream": "ALLOW"},
        )

    assert [v["version"] for v in found["versions"]] == ["1.0"]
    assert (err.value.response["resourceType"], err.value.response["resourceId"]) == (  # type: ignore[typeddict-item]
        "package",
        "pigeon_cli",
    )
    assert [p["package"] for p in codeartifact.list_packages(domain=DOMAIN, repository=REPO)["packages"]] == [
        "pigeon-cli"
    ]


# The known-answer table of nuget-name-normalization.html ("Package version normalization").
NUGET_VERSIONS = [
    ("1.00", "1.0"),
    ("1.01.1", "1.1.1"),
    ("1.00.0.1", "1.0.0.1"),
    ("1.0.0.0", "1.0.0"),
    ("1.0.01.0", "1.0.1"),
    ("1.0.7+r3456", "1.0.7"),
    ("12.0.03.0", "12.0.3"),
]


@pytest.mark.parametrize(("given", "stored"), NUGET_VERSIONS)
def test_nuget_versions_are_stored_normalized_and_requests_are_normalized(
    repo: Emulator, codeartifact: CodeArtifactClient, given: str, stored: str
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/nuget-name-normalization.html
    # Versions are normalized before storing; "inputs of --package Newtonsoft.JSON and --version
    # 12.0.03.0 would be normalized and return a package ... version 12.0.3".
    repo.add_version(DOMAIN, REPO, "nuget", None, "Newtonsoft.JSON", given, published=at(0))

    listed = codeartifact.list_package_versions(
        domain=DOMAIN, repository=REPO, format="nuget", package="newtonsoft.json"
    )
    described = codeartifact.describe_package_version(
        domain=DOMAIN, repository=REPO, format="nuget", package="Newtonsoft.JSON", packageVersion=given
    )["packageVersion"]

    assert [v["version"] for v in listed["versions"]] == [stored]
    assert listed["defaultDisplayVersion"] == stored
    assert (described["version"], described["packageName"], described["displayName"]) == (
        stored,
        "newtonsoft.json",
        "Newtonsoft.JSON",
    )


def test_nuget_batch_writes_accept_non_normalized_versions(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/nuget-name-normalization.html
    # The service normalizes package and version inputs of API requests.
    revision = repo.add_version(DOMAIN, REPO, "nuget", None, "Newtonsoft.JSON", "12.0.3", published=at(0))

    result = codeartifact.update_package_versions_status(
        domain=DOMAIN,
        repository=REPO,
        format="nuget",
        package="Newtonsoft.JSON",
        versions=["12.0.03.0"],
        versionRevisions={"12.0.03.0": revision},
        expectedStatus="Published",
        targetStatus="Archived",
    )

    assert result["failedVersions"] == {}
    assert result["successfulVersions"] == {"12.0.3": {"revision": revision, "status": "Archived"}}
    assert repo.version_status(DOMAIN, REPO, "nuget", None, "newtonsoft.json", "12.0.3") == "Archived"
