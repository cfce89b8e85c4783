"""Namespace rules per format, through boto3, the Python API and the seed loader.

Source: botocore's service model (codeartifact 2018-09-22), the ``namespace`` member of every
request naming one package, e.g. DescribePackageRequest: "The namespace is required when
requesting packages of the following formats: Maven, Swift, generic ... The namespace of an npm
or Swift package version is its scope ... Python, NuGet, Ruby, and Cargo package versions do
not contain a corresponding component, package versions of those formats do not have a
namespace." npm's scope is optional.
"""

from __future__ import annotations

import hashlib
from typing import Any

import botocore.exceptions
import pytest
from ca_emulator import Emulator, SeedError
from emu_contract import DOMAIN, REPO, T0, ns
from mypy_boto3_codeartifact import CodeArtifactClient

REQUIRED = ["maven", "swift", "generic"]
FORBIDDEN = ["pypi", "nuget", "ruby", "cargo"]


def error_of(exc: botocore.exceptions.ClientError) -> tuple[int, str]:
    return exc.response["ResponseMetadata"]["HTTPStatusCode"], exc.response["Error"]["Code"]


@pytest.mark.parametrize("fmt", REQUIRED)
def test_a_request_without_the_required_namespace_is_a_validation_error_not_a_404(
    repo: Emulator, codeartifact: CodeArtifactClient, fmt: str
) -> None:
    # Given a package of the format that does exist, under a namespace
    repo.add_version(DOMAIN, REPO, fmt, "acme", "core", "1.0.0", published=T0)
    # When it is asked for without the namespace
    with pytest.raises(botocore.exceptions.ClientError) as err:
        codeartifact.list_package_versions(domain=DOMAIN, repository=REPO, format=fmt, package="core")  # type: ignore[arg-type]
    # Then the request is invalid (400), not a missing package (404)
    assert error_of(err.value) == (400, "ValidationException")
    assert "namespace is required" in err.value.response["Error"]["Message"]


@pytest.mark.parametrize("fmt", FORBIDDEN)
def test_a_namespace_on_a_format_that_has_none_is_a_validation_error(
    repo: Emulator, codeartifact: CodeArtifactClient, fmt: str
) -> None:
    repo.add_version(DOMAIN, REPO, fmt, None, "core", "1.0.0", published=T0)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        codeartifact.describe_package(
            domain=DOMAIN,
            repository=REPO,
            format=fmt,  # type: ignore[arg-type]
            namespace="acme",
            package="core",
        )
    assert error_of(err.value) == (400, "ValidationException")
    # And without it the package is found
    found = codeartifact.describe_package(domain=DOMAIN, repository=REPO, format=fmt, package="core")  # type: ignore[arg-type]
    assert found["package"]["name"] == "core"


@pytest.mark.parametrize("namespace", [None, "acme"])
def test_npm_scope_is_optional(
    repo: Emulator, codeartifact: CodeArtifactClient, namespace: str | None
) -> None:
    repo.add_version(DOMAIN, REPO, "npm", namespace, "widgets", "1.0.0", published=T0)
    args: dict[str, Any] = {
        "domain": DOMAIN,
        "repository": REPO,
        "format": "npm",
        "package": "widgets",
        **ns(namespace),
    }
    listed = codeartifact.list_package_versions(**args)
    assert [v["version"] for v in listed["versions"]] == ["1.0.0"]


@pytest.mark.parametrize(
    ("fmt", "namespace"), [("maven", None), ("pypi", "acme"), ("nuget", "acme"), ("generic", None)]
)
def test_writes_that_would_create_an_impossible_package_are_refused_and_create_nothing(
    repo: Emulator, codeartifact: CodeArtifactClient, fmt: str, namespace: str | None
) -> None:
    # PutPackageOriginConfiguration creates a package record when none exists: not this one.
    with pytest.raises(botocore.exceptions.ClientError) as err:
        codeartifact.put_package_origin_configuration(
            domain=DOMAIN,
            repository=REPO,
            format=fmt,  # type: ignore[arg-type]
            package="core",
            restrictions={"publish": "ALLOW", "upstream": "BLOCK"},
            **ns(namespace),
        )
    assert error_of(err.value) == (400, "ValidationException")
    assert codeartifact.list_packages(domain=DOMAIN, repository=REPO)["packages"] == []


def test_generic_publish_without_namespace_is_refused(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    content = b"x"
    with pytest.raises(botocore.exceptions.ClientError) as err:
        codeartifact.publish_package_version(
            domain=DOMAIN,
            repository=REPO,
            format="generic",
            package="tool",
            packageVersion="1.0.0",
            assetContent=content,
            assetName="tool.bin",
            assetSHA256=hashlib.sha256(content).hexdigest(),
        )
    assert error_of(err.value) == (400, "ValidationException")
    assert repo.events == []


@pytest.mark.parametrize(
    ("fmt", "namespace"), [("maven", None), ("swift", None), ("pypi", "acme"), ("cargo", "x")]
)
def test_the_python_api_refuses_impossible_packages(repo: Emulator, fmt: str, namespace: str | None) -> None:
    with pytest.raises(ValueError, match="namespace"):
        repo.add_version(DOMAIN, REPO, fmt, namespace, "core", "1.0.0")
    with pytest.raises(ValueError, match="namespace"):
        repo.set_origin_configuration(DOMAIN, REPO, fmt, namespace, "core")


def _seed(package: dict[str, Any]) -> dict[str, Any]:
    ok = {"format": "npm", "name": "fine", "versions": ["1.0.0"]}
    return {"domains": [{"name": DOMAIN, "repositories": [{"name": REPO, "packages": [ok, package]}]}]}


@pytest.mark.parametrize(
    ("package", "problem"),
    [
        ({"format": "maven", "name": "core", "versions": ["1.0"]}, "a namespace is required for maven"),
        (
            {"format": "pypi", "namespace": "acme", "name": "requests", "versions": ["1.0"]},
            "pypi packages have no namespace",
        ),
        (
            {"format": "nuget", "namespace": "acme", "name": "Newtonsoft.Json", "versions": ["1.0"]},
            "nuget packages have no namespace",
        ),
    ],
)
def test_the_seed_loader_names_the_bad_entry_and_loads_nothing(
    emulator: Emulator, package: dict[str, Any], problem: str
) -> None:
    with pytest.raises(SeedError) as err:
        emulator.load_seed(_seed(package))
    assert err.value.field == "domains[0].repositories[0].packages[1].namespace"
    assert problem in str(err.value)
    assert repr(package["name"]) in str(err.value)
    # Checked whole before anything is applied: not even the good package exists.
    assert emulator.store.domains == {}
