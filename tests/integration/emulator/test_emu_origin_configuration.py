"""PutPackageOriginConfiguration / origin restrictions through boto3.

Sources:
https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_PutPackageOriginConfiguration.html
  (both restrictions required; on a package that doesn't exist, a package is created with no
  versions and the requested restrictions)
https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_PackageOriginRestrictions.html
https://docs.aws.amazon.com/codeartifact/latest/ug/package-origin-controls.html
"""

from __future__ import annotations

import hashlib

import botocore.exceptions
import pytest
from ca_emulator import Emulator
from emu_contract import DOMAIN, REPO, at
from mypy_boto3_codeartifact import CodeArtifactClient


def test_put_sets_both_halves_and_describe_and_list_show_them(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_PutPackageOriginConfiguration.html
    repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", "1.0.0", published=at(0))
    repo.set_origin_configuration(DOMAIN, REPO, "npm", "acme", "widgets", publish="ALLOW", upstream="ALLOW")

    result = codeartifact.put_package_origin_configuration(
        domain=DOMAIN,
        repository=REPO,
        format="npm",
        namespace="acme",
        package="widgets",
        restrictions={"publish": "ALLOW", "upstream": "BLOCK"},
    )

    assert result["originConfiguration"]["restrictions"] == {"publish": "ALLOW", "upstream": "BLOCK"}
    described = codeartifact.describe_package(
        domain=DOMAIN, repository=REPO, format="npm", namespace="acme", package="widgets"
    )
    assert described["package"]["originConfiguration"]["restrictions"] == {
        "publish": "ALLOW",
        "upstream": "BLOCK",
    }
    listed = codeartifact.list_packages(domain=DOMAIN, repository=REPO, upstream="BLOCK")["packages"]
    assert [p["package"] for p in listed] == ["widgets"]
    assert repo.origin_configuration(DOMAIN, REPO, "npm", "acme", "widgets") == {
        "publish": "ALLOW",
        "upstream": "BLOCK",
    }


@pytest.mark.parametrize("restrictions", [{"publish": "BLOCK"}, {"upstream": "BLOCK"}, {}])
def test_one_half_alone_is_rejected_by_botocore(
    repo: Emulator, codeartifact: CodeArtifactClient, restrictions: dict[str, str]
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_PackageOriginRestrictions.html
    # PackageOriginRestrictions: publish and upstream are both Required, and botocore enforces
    # required members client-side, so nothing reaches the server.
    repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", "1.0.0", published=at(0))
    repo.set_origin_configuration(DOMAIN, REPO, "npm", "acme", "widgets", publish="ALLOW", upstream="ALLOW")
    repo.reset_stats()

    with pytest.raises(botocore.exceptions.ParamValidationError):
        codeartifact.put_package_origin_configuration(
            domain=DOMAIN,
            repository=REPO,
            format="npm",
            namespace="acme",
            package="widgets",
            restrictions=restrictions,  # type: ignore[arg-type]
        )

    assert repo.stats().get("PutPackageOriginConfiguration", 0) == 0
    assert repo.origin_configuration(DOMAIN, REPO, "npm", "acme", "widgets") == {
        "publish": "ALLOW",
        "upstream": "ALLOW",
    }


def test_put_on_missing_package_creates_an_empty_package(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_PutPackageOriginConfiguration.html
    # Preemptive lock of a name nobody has published yet (dependency-substitution defence).
    result = codeartifact.put_package_origin_configuration(
        domain=DOMAIN,
        repository=REPO,
        format="pypi",
        package="internal-lib",
        restrictions={"publish": "ALLOW", "upstream": "BLOCK"},
    )

    assert result["originConfiguration"]["restrictions"] == {"publish": "ALLOW", "upstream": "BLOCK"}
    described = codeartifact.describe_package(
        domain=DOMAIN, repository=REPO, format="pypi", package="internal-lib"
    )["package"]
    assert described["name"] == "internal-lib"
    assert described["originConfiguration"]["restrictions"] == {"publish": "ALLOW", "upstream": "BLOCK"}
    assert [p["package"] for p in codeartifact.list_packages(domain=DOMAIN, repository=REPO)["packages"]] == [
        "internal-lib"
    ]
    versions = codeartifact.list_package_versions(
        domain=DOMAIN, repository=REPO, format="pypi", package="internal-lib"
    )
    assert versions["versions"] == []


def test_put_in_missing_repository_is_resource_not_found(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_PutPackageOriginConfiguration.html
    with pytest.raises(codeartifact.exceptions.ResourceNotFoundException):
        codeartifact.put_package_origin_configuration(
            domain=DOMAIN,
            repository="missing",
            format="npm",
            package="x",
            restrictions={"publish": "ALLOW", "upstream": "BLOCK"},
        )


def test_publish_block_stops_direct_publishing(repo: Emulator, codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/package-origin-controls.html
    # package-origin-controls: with publish=BLOCK, new versions cannot be published directly.
    # The API reference names no error for it, so any 4xx client error is accepted; nothing may change.
    codeartifact.put_package_origin_configuration(
        domain=DOMAIN,
        repository=REPO,
        format="generic",
        namespace="tools",
        package="locked",
        restrictions={"publish": "BLOCK", "upstream": "ALLOW"},
    )
    content = b"sneaky"

    with pytest.raises(botocore.exceptions.ClientError) as err:
        codeartifact.publish_package_version(
            domain=DOMAIN,
            repository=REPO,
            format="generic",
            namespace="tools",
            package="locked",
            packageVersion="6.6.6",
            assetContent=content,
            assetName="x.bin",
            assetSHA256=hashlib.sha256(content).hexdigest(),
        )

    assert 400 <= err.value.response["ResponseMetadata"]["HTTPStatusCode"] < 500
    versions = codeartifact.list_package_versions(
        domain=DOMAIN, repository=REPO, format="generic", namespace="tools", package="locked"
    )
    assert versions["versions"] == []
