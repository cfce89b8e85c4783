"""UpdatePackageVersionsStatus, DisposePackageVersions and DeletePackageVersions through boto3.

Sources:
https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_UpdatePackageVersionsStatus.html
https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_DisposePackageVersions.html
https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_DeletePackageVersions.html
https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_PackageVersionError.html
https://docs.aws.amazon.com/codeartifact/latest/ug/update-package-version-status.html
  (expectedStatus / versionRevisions guards, "current status: X, expected status: Y", the other
  versions of a failing call reported as SKIPPED with nothing changed; status changes keep the revision)
https://docs.aws.amazon.com/codeartifact/latest/ug/packages-overview.html#package-version-status
  (Disposed is final; Unfinished is never a target)
https://docs.aws.amazon.com/codeartifact/latest/ug/delete-package.html
"""

from __future__ import annotations

from typing import Any

import pytest
from ca_emulator import Emulator
from emu_contract import DOMAIN, REPO, at, revisions, statuses
from mypy_boto3_codeartifact import CodeArtifactClient
from mypy_boto3_codeartifact.literals import PackageVersionStatusType

PKG: dict[str, Any] = {
    "domain": DOMAIN,
    "repository": REPO,
    "format": "npm",
    "namespace": "acme",
    "package": "widgets",
}
V1, V2, V3 = "1.0.0", "1.1.0", "1.2.0"


@pytest.fixture
def widgets(repo: Emulator) -> dict[str, str]:
    """Given three Published versions of npm @acme/widgets; returns version -> revision."""
    return {
        v: repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", v, published=at(i))
        for i, v in enumerate((V1, V2, V3))
    }


def current(client: CodeArtifactClient) -> dict[str, str]:
    return statuses(client, "npm", "acme", "widgets")


# --- UpdatePackageVersionsStatus -------------------------------------------------------------


def test_archive_with_guards_succeeds_and_keeps_the_revision(
    widgets: dict[str, str], codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/update-package-version-status.html
    result = codeartifact.update_package_versions_status(
        **PKG,
        versions=[V1, V2],
        versionRevisions={V1: widgets[V1], V2: widgets[V2]},
        expectedStatus="Published",
        targetStatus="Archived",
    )

    assert result["successfulVersions"] == {
        V1: {"revision": widgets[V1], "status": "Archived"},
        V2: {"revision": widgets[V2], "status": "Archived"},
    }
    assert result["failedVersions"] == {}
    assert current(codeartifact) == {V1: "Archived", V2: "Archived", V3: "Published"}
    assert revisions(codeartifact, "npm", "acme", "widgets") == widgets


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("Published", "Unlisted"),
        ("Unlisted", "Published"),
        ("Unlisted", "Archived"),
        ("Archived", "Published"),  # archived versions can be restored
        ("Archived", "Unlisted"),
        ("Unfinished", "Published"),
    ],
)
def test_allowed_transitions(
    repo: Emulator,
    codeartifact: CodeArtifactClient,
    start: PackageVersionStatusType,
    target: PackageVersionStatusType,
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/packages-overview.html#package-version-status
    repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", V1, status=start, published=at(0))

    result = codeartifact.update_package_versions_status(
        **PKG, versions=[V1], expectedStatus=start, targetStatus=target
    )

    assert result["successfulVersions"][V1]["status"] == target
    assert result["failedVersions"] == {}
    assert current(codeartifact) == {V1: target}


def test_mismatched_status_fails_that_version_and_skips_the_rest(
    widgets: dict[str, str], emulator: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/update-package-version-status.html
    emulator.add_version(DOMAIN, REPO, "npm", "acme", "widgets", "2.0.0", status="Unlisted", published=at(9))

    result = codeartifact.update_package_versions_status(
        **PKG, versions=[V1, "2.0.0", V3], expectedStatus="Unlisted", targetStatus="Archived"
    )

    failed = result["failedVersions"]
    assert failed[V1] == {
        "errorCode": "MISMATCHED_STATUS",
        "errorMessage": "current status: Published, expected status: Unlisted",
    }
    assert failed[V3]["errorCode"] == "MISMATCHED_STATUS"
    # 2.0.0 matched, but today's behaviour is all-or-nothing: it is SKIPPED and stays Unlisted.
    assert failed["2.0.0"]["errorCode"] == "SKIPPED"
    assert result["successfulVersions"] == {}
    assert current(codeartifact) == {V1: "Published", V2: "Published", V3: "Published", "2.0.0": "Unlisted"}


def test_mismatched_revision_fails_that_version_and_skips_the_rest(
    widgets: dict[str, str], codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/update-package-version-status.html
    result = codeartifact.update_package_versions_status(
        **PKG,
        versions=[V1, V2],
        versionRevisions={V1: widgets[V1], V2: "not-the-revision"},
        targetStatus="Archived",
    )

    assert result["failedVersions"][V2]["errorCode"] == "MISMATCHED_REVISION"
    assert result["failedVersions"][V1]["errorCode"] == "SKIPPED"
    assert result["successfulVersions"] == {}
    assert current(codeartifact) == {V1: "Published", V2: "Published", V3: "Published"}


def test_missing_version_is_not_found_and_the_rest_skipped(
    widgets: dict[str, str], codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_PackageVersionError.html
    result = codeartifact.update_package_versions_status(
        **PKG, versions=[V1, "9.9.9"], targetStatus="Unlisted"
    )

    assert result["failedVersions"]["9.9.9"]["errorCode"] == "NOT_FOUND"
    assert result["failedVersions"][V1]["errorCode"] == "SKIPPED"
    assert current(codeartifact)[V1] == "Published"


def test_disposed_cannot_be_published_again(repo: Emulator, codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/packages-overview.html#package-version-status
    repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", V1, status="Disposed", published=at(0))
    repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", V2, status="Archived", published=at(1))

    result = codeartifact.update_package_versions_status(**PKG, versions=[V1, V2], targetStatus="Published")

    assert result["failedVersions"][V1]["errorCode"] == "NOT_ALLOWED"
    assert result["failedVersions"][V2]["errorCode"] == "SKIPPED"
    assert current(codeartifact) == {V1: "Disposed", V2: "Archived"}


def test_unfinished_is_not_a_valid_target(widgets: dict[str, str], codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_UpdatePackageVersionsStatus.html
    # UpdatePackageVersionsStatus sets Archived, Published or Unlisted only; nothing returns to Unfinished.
    with pytest.raises(codeartifact.exceptions.ValidationException):
        codeartifact.update_package_versions_status(**PKG, versions=[V1], targetStatus="Unfinished")

    assert current(codeartifact)[V1] == "Published"


def test_disposed_is_not_a_target_of_update_status(
    widgets: dict[str, str], codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_UpdatePackageVersionsStatus.html
    # "To set the status of a package version to Disposed, use DisposePackageVersions."
    with pytest.raises(codeartifact.exceptions.ValidationException):
        codeartifact.update_package_versions_status(**PKG, versions=[V1], targetStatus="Disposed")

    assert current(codeartifact)[V1] == "Published"


def test_one_hundred_versions_per_call_are_accepted(repo: Emulator, codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_UpdatePackageVersionsStatus.html
    versions = [f"0.0.{i}" for i in range(100)]
    for i, version in enumerate(versions):
        repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", version, published=at(i))

    result = codeartifact.update_package_versions_status(**PKG, versions=versions, targetStatus="Archived")

    assert len(result["successfulVersions"]) == 100
    assert set(current(codeartifact).values()) == {"Archived"}


def test_one_hundred_and_one_versions_are_a_validation_error(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_UpdatePackageVersionsStatus.html
    # The model caps the list at 100 but botocore does not check list maximums: the server rejects it.
    versions = [f"0.0.{i}" for i in range(101)]
    for i, version in enumerate(versions):
        repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", version, published=at(i))

    with pytest.raises(codeartifact.exceptions.ValidationException) as err:
        codeartifact.update_package_versions_status(**PKG, versions=versions, targetStatus="Archived")

    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert set(current(codeartifact).values()) == {"Published"}


def test_unknown_package_is_resource_not_found(repo: Emulator, codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_UpdatePackageVersionsStatus.html
    with pytest.raises(codeartifact.exceptions.ResourceNotFoundException):
        codeartifact.update_package_versions_status(**PKG, versions=[V1], targetStatus="Archived")


# --- DisposePackageVersions ------------------------------------------------------------------


def test_dispose_archived_versions_with_guards_keeps_the_revision(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_DisposePackageVersions.html
    r1 = repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", V1, status="Archived", published=at(0))
    r2 = repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", V2, status="Archived", published=at(1))
    repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", V3, published=at(2))

    result = codeartifact.dispose_package_versions(
        **PKG, versions=[V1, V2], versionRevisions={V1: r1, V2: r2}, expectedStatus="Archived"
    )

    assert result["successfulVersions"] == {
        V1: {"revision": r1, "status": "Disposed"},
        V2: {"revision": r2, "status": "Disposed"},
    }
    assert result["failedVersions"] == {}
    assert current(codeartifact) == {V1: "Disposed", V2: "Disposed", V3: "Published"}
    disposed = codeartifact.list_package_versions(**PKG, status="Disposed")["versions"]
    assert sorted(v["version"] for v in disposed) == [V1, V2]


def test_dispose_works_from_any_live_status(
    widgets: dict[str, str], codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_UpdatePackageVersionsStatus.html
    # API_DisposePackageVersions: the versions' status is set to Disposed whatever it was.
    result = codeartifact.dispose_package_versions(**PKG, versions=[V1])

    assert result["successfulVersions"][V1]["status"] == "Disposed"
    assert current(codeartifact)[V1] == "Disposed"


def test_dispose_mismatched_status_and_skipped(
    widgets: dict[str, str], emulator: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_DisposePackageVersions.html
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/update-package-version-status.html
    emulator.add_version(DOMAIN, REPO, "npm", "acme", "widgets", "0.1.0", status="Archived", published=at(-5))

    result = codeartifact.dispose_package_versions(**PKG, versions=["0.1.0", V1], expectedStatus="Archived")

    assert result["failedVersions"][V1] == {
        "errorCode": "MISMATCHED_STATUS",
        "errorMessage": "current status: Published, expected status: Archived",
    }
    assert result["failedVersions"]["0.1.0"]["errorCode"] == "SKIPPED"
    assert result["successfulVersions"] == {}
    assert current(codeartifact)["0.1.0"] == "Archived"


def test_dispose_mismatched_revision(widgets: dict[str, str], codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_DisposePackageVersions.html
    result = codeartifact.dispose_package_versions(**PKG, versions=[V1], versionRevisions={V1: "stale"})

    assert result["failedVersions"][V1]["errorCode"] == "MISMATCHED_REVISION"
    assert current(codeartifact)[V1] == "Published"


def test_dispose_missing_version_is_not_found(
    widgets: dict[str, str], codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_DisposePackageVersions.html
    result = codeartifact.dispose_package_versions(**PKG, versions=["9.9.9", V2])

    assert result["failedVersions"]["9.9.9"]["errorCode"] == "NOT_FOUND"
    assert result["failedVersions"][V2]["errorCode"] == "SKIPPED"
    assert current(codeartifact)[V2] == "Published"


def test_dispose_101_versions_is_a_validation_error(repo: Emulator, codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_DisposePackageVersions.html
    versions = [f"0.0.{i}" for i in range(101)]
    for i, version in enumerate(versions):
        repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", version, status="Archived", published=at(i))

    with pytest.raises(codeartifact.exceptions.ValidationException):
        codeartifact.dispose_package_versions(**PKG, versions=versions)

    assert set(current(codeartifact).values()) == {"Archived"}


# --- DeletePackageVersions -------------------------------------------------------------------


def test_delete_removes_the_versions(widgets: dict[str, str], codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_DeletePackageVersions.html
    result = codeartifact.delete_package_versions(**PKG, versions=[V1, V2], expectedStatus="Published")

    assert {v: info["status"] for v, info in result["successfulVersions"].items()} == {
        V1: "Deleted",
        V2: "Deleted",
    }
    assert result["failedVersions"] == {}
    assert current(codeartifact) == {V3: "Published"}
    with pytest.raises(codeartifact.exceptions.ResourceNotFoundException):
        codeartifact.describe_package_version(**PKG, packageVersion=V1)


def test_delete_with_mismatched_status_changes_nothing(
    widgets: dict[str, str], codeartifact: CodeArtifactClient
) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_DeletePackageVersions.html
    result = codeartifact.delete_package_versions(**PKG, versions=[V1, V2], expectedStatus="Archived")

    assert result["failedVersions"][V1]["errorCode"] == "MISMATCHED_STATUS"
    assert (
        result["failedVersions"][V1]["errorMessage"] == "current status: Published, expected status: Archived"
    )
    assert result["successfulVersions"] == {}
    assert current(codeartifact) == {V1: "Published", V2: "Published", V3: "Published"}


def test_delete_disposed_version(repo: Emulator, codeartifact: CodeArtifactClient) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_DeletePackageVersions.html
    # Disposed versions can only be deleted afterwards (packages-overview: Disposed).
    repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", V1, status="Disposed", published=at(0))
    repo.add_version(DOMAIN, REPO, "npm", "acme", "widgets", V2, published=at(1))

    result = codeartifact.delete_package_versions(**PKG, versions=[V1], expectedStatus="Disposed")

    assert result["successfulVersions"][V1]["status"] == "Deleted"
    assert current(codeartifact) == {V2: "Published"}
