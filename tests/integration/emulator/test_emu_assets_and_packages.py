"""Assets, domain sizes, DeletePackage and unimplemented operations, through boto3.

Sources:
https://docs.aws.amazon.com/codeartifact/latest/ug/list-assets.html ("An npm package always has
  a single asset with a name of package.tgz"; a pypi version lists its wheel and its sdist)
botocore service model: DomainDescription.assetSizeBytes ("The total size of all assets in the
  domain"), GetPackageVersionAsset (the asset as the payload, X-AssetName / X-PackageVersion /
  X-PackageVersionRevision headers), DeletePackage ("Deletes a package and all associated
  package versions. A deleted package cannot be restored.")
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import botocore.exceptions
import pytest
from ca_emulator import Emulator
from ca_emulator.server import IMPLEMENTED
from emu_contract import DOMAIN, REPO, T0, http, ns
from mypy_boto3_codeartifact import CodeArtifactClient

# format, namespace, name, version -> the default asset names
DEFAULTS: list[tuple[str, str | None, str, str, list[str]]] = [
    ("npm", "acme", "widgets", "1.0.0", ["package.tgz"]),
    (
        "pypi",
        None,
        "flatten-json",
        "0.1.7",
        ["flatten_json-0.1.7-py3-none-any.whl", "flatten_json-0.1.7.tar.gz"],
    ),
    ("maven", "com.acme", "core", "2.1", ["core-2.1.jar", "core-2.1.pom"]),
    ("nuget", None, "newtonsoft.json", "13.0.1", ["newtonsoft.json.13.0.1.nupkg"]),
    ("ruby", None, "rails", "7.0.0", ["rails-7.0.0.gem"]),
    ("cargo", None, "serde", "1.0.0", ["serde-1.0.0.crate"]),
    ("swift", "apple", "swift-nio", "2.0.0", ["swift-nio-2.0.0.zip"]),
    ("generic", "tools", "cli", "1.0", ["cli-1.0.tar.gz"]),
]


def list_assets(
    client: CodeArtifactClient,
    fmt: str,
    namespace: str | None,
    name: str,
    version: str,
    repository: str = REPO,
) -> list[dict[str, Any]]:
    args: dict[str, Any] = {
        "domain": DOMAIN,
        "repository": repository,
        "format": fmt,
        "package": name,
        "packageVersion": version,
        **ns(namespace),
    }
    page = client.list_package_version_assets(**args)
    return [dict(a) for a in page["assets"]]


@pytest.mark.parametrize(("fmt", "namespace", "name", "version", "names"), DEFAULTS)
def test_a_version_seeded_without_assets_lists_its_formats_files(
    repo: Emulator,
    codeartifact: CodeArtifactClient,
    fmt: str,
    namespace: str | None,
    name: str,
    version: str,
    names: list[str],
) -> None:
    repo.add_version(DOMAIN, REPO, fmt, namespace, name, version, published=T0)
    assets = list_assets(codeartifact, fmt, namespace, name, version)
    assert sorted(a["name"] for a in assets) == sorted(names)
    assert all(a["size"] > 0 for a in assets)
    assert all(set(a["hashes"]) == {"MD5", "SHA-1", "SHA-256", "SHA-512"} for a in assets)
    # Deterministic: the same version seeded elsewhere lists the same sizes and hashes.
    other = Emulator()
    other.add_version(DOMAIN, REPO, fmt, namespace, name, version, published=T0)
    key = {"domain": DOMAIN, "repository": REPO, "format": fmt, "package": name, "packageVersion": version}
    assert other.store.list_package_version_assets({**key, **ns(namespace)})["assets"] == assets


def test_seed_assets_empty_list_means_none(emulator: Emulator, codeartifact: CodeArtifactClient) -> None:
    emulator.load_seed(
        {
            "domains": [
                {
                    "name": DOMAIN,
                    "repositories": [
                        {
                            "name": REPO,
                            "packages": [
                                {
                                    "format": "npm",
                                    "name": "bare",
                                    "versions": [{"version": "1.0.0", "assets": []}, "2.0.0"],
                                }
                            ],
                        }
                    ],
                }
            ]
        }
    )
    assert list_assets(codeartifact, "npm", None, "bare", "1.0.0") == []
    assert [a["name"] for a in list_assets(codeartifact, "npm", None, "bare", "2.0.0")] == ["package.tgz"]


def test_describe_domain_sums_each_unique_asset_once(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Given the same version in two repositories (one stored asset), one more version, one empty
    repo.create_repository(DOMAIN, "mirror")
    for repository in (REPO, "mirror"):
        repo.add_version(DOMAIN, repository, "npm", "acme", "widgets", "1.0.0", published=T0)
    repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", "1.1.0", published=T0)
    repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", "1.2.0", published=T0, assets=[])
    first = list_assets(codeartifact, "npm", "acme", "widgets", "1.0.0")
    assert first == list_assets(codeartifact, "npm", "acme", "widgets", "1.0.0", "mirror")
    second = list_assets(codeartifact, "npm", "acme", "widgets", "1.1.0")

    size = codeartifact.describe_domain(domain=DOMAIN)["domain"]["assetSizeBytes"]

    assert size == first[0]["size"] + second[0]["size"]


def test_dispose_frees_the_domains_bytes(repo: Emulator, codeartifact: CodeArtifactClient) -> None:
    repo.add_version(DOMAIN, REPO, "maven", "com.acme", "core", "1.0", published=T0)
    assert codeartifact.describe_domain(domain=DOMAIN)["domain"]["assetSizeBytes"] > 0
    codeartifact.dispose_package_versions(
        domain=DOMAIN, repository=REPO, format="maven", namespace="com.acme", package="core", versions=["1.0"]
    )
    assert codeartifact.describe_domain(domain=DOMAIN)["domain"]["assetSizeBytes"] == 0


def test_get_package_version_asset_returns_the_published_bytes(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    content = b"\x00binary\xffcontent"
    published = codeartifact.publish_package_version(
        domain=DOMAIN,
        repository=REPO,
        format="generic",
        namespace="tools",
        package="cli",
        packageVersion="1.0",
        assetContent=content,
        assetName="cli.bin",
        assetSHA256=hashlib.sha256(content).hexdigest(),
    )
    got = codeartifact.get_package_version_asset(
        domain=DOMAIN,
        repository=REPO,
        format="generic",
        namespace="tools",
        package="cli",
        packageVersion="1.0",
        asset="cli.bin",
    )
    assert got["asset"].read() == content
    assert (got["assetName"], got["packageVersion"]) == ("cli.bin", "1.0")
    assert got["packageVersionRevision"] == published["versionRevision"]


def test_get_package_version_asset_of_a_seeded_file_has_its_listed_size(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", "1.0.0", published=T0)
    (listed,) = list_assets(codeartifact, "npm", "acme", "widgets", "1.0.0")
    key: dict[str, Any] = {
        "domain": DOMAIN,
        "repository": REPO,
        "format": "npm",
        "namespace": "acme",
        "package": "widgets",
        "packageVersion": "1.0.0",
    }
    got = codeartifact.get_package_version_asset(**key, asset="package.tgz")
    assert len(got["asset"].read()) == listed["size"]
    with pytest.raises(codeartifact.exceptions.ResourceNotFoundException):
        codeartifact.get_package_version_asset(**key, asset="missing.tgz")


def test_delete_package_removes_it_and_every_version(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    for version in ("1.0.0", "1.1.0"):
        repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", version, published=T0)
    repo.add_version(DOMAIN, REPO, "npm", "acme", "other", "1.0.0", published=T0)
    pkg: dict[str, Any] = {"domain": DOMAIN, "repository": REPO, "format": "npm", "namespace": "acme"}

    deleted = codeartifact.delete_package(**pkg, package="widgets")

    assert deleted["deletedPackage"]["package"] == "widgets"
    assert deleted["deletedPackage"]["originConfiguration"]["restrictions"]["publish"] == "ALLOW"
    assert [p["package"] for p in codeartifact.list_packages(domain=DOMAIN, repository=REPO)["packages"]] == [
        "other"
    ]
    with pytest.raises(codeartifact.exceptions.ResourceNotFoundException):
        codeartifact.describe_package(**pkg, package="widgets")
    with pytest.raises(codeartifact.exceptions.ResourceNotFoundException):
        codeartifact.delete_package(**pkg, package="widgets")
    # Each version went with a Deleted event (the emulator's choice; see docs/emulator.md)
    assert [(e["detail"]["packageVersion"], e["detail"]["operationType"]) for e in repo.events] == [
        ("1.0.0", "Deleted"),
        ("1.1.0", "Deleted"),
    ]
    # And the name can be used again
    repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", "1.0.0", published=T0)


def test_an_unimplemented_operation_answers_a_clear_501(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as err:
        codeartifact.copy_package_versions(
            domain=DOMAIN,
            sourceRepository=REPO,
            destinationRepository=REPO,
            format="npm",
            package="widgets",
            versions=["1.0.0"],
        )
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert "does not implement CopyPackageVersions" in err.value.response["Error"]["Message"]


def test_every_unimplemented_operation_is_501_before_any_validation(repo: Emulator) -> None:
    # Raw requests with no parameters at all: a 501 names the operation, never a 400/404/500.
    from ca_emulator.protocol import service_model

    model = service_model()
    unimplemented = sorted(set(model.operation_names) - IMPLEMENTED)
    assert unimplemented  # the set this test is about
    for name in unimplemented:
        op = model.operation_model(name)
        uri = op.http["requestUri"].replace("{", "x").replace("}", "")
        status, body = http(repo.endpoint, op.http["method"], uri, None if op.http["method"] == "GET" else {})
        assert status == 501, (name, status, json.dumps(body))
        assert name in body["message"]
