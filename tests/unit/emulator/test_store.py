"""Operation semantics (ordering, paging, batch writes, origin configuration) through Emulator.handle."""

from __future__ import annotations

from typing import Any

import pytest
from ca_emulator import Emulator
from ca_emulator.store import transition_allowed
from emulator_unit_helpers import Call, at

PKG = {"domain": "acme", "repository": "release", "format": "npm", "namespace": "acme", "package": "w"}


def seed(emu: Emulator, *specs: tuple[str, str, int]) -> dict[str, str]:
    """(version, status, minutes) -> revision per version."""
    return {
        v: emu.add_version("acme", "release", "npm", "acme", "w", v, status=s, published=at(m))
        for v, s, m in specs
    }


def pages(call: Call, **params: Any) -> list[list[str]]:
    out: list[list[str]] = []
    token = None
    while True:
        extra: dict[str, str] = {"nextToken": token} if token else {}
        status, body = call("ListPackageVersions", **PKG, **params, **extra)
        assert status == 200, body
        out.append([v["version"] for v in body["versions"]])
        token = body.get("nextToken")
        if not token:
            return out


def test_published_time_order_is_newest_first_with_ties_in_insertion_order(emu: Emulator, call: Call) -> None:
    seed(
        emu,
        ("1.0.0", "Published", 0),
        ("1.1.0", "Published", 5),
        ("1.0.1", "Published", 5),
        ("2.0.0", "Archived", 9),
    )
    assert pages(call, sortBy="PUBLISHED_TIME", maxResults=3) == [["2.0.0", "1.1.0", "1.0.1"], ["1.0.0"]]
    # Without sortBy: insertion order (our documented choice; CodeArtifact leaves it unspecified).
    assert pages(call, maxResults=2) == [["1.0.0", "1.1.0"], ["1.0.1", "2.0.0"]]


def test_default_display_version_is_the_newest_published(emu: Emulator, call: Call) -> None:
    seed(emu, ("1.0.0", "Published", 0), ("1.1.0", "Published", 1), ("2.0.0", "Unlisted", 2))
    _, body = call("ListPackageVersions", **PKG)
    assert body["defaultDisplayVersion"] == "1.1.0"
    call("UpdatePackageVersionsStatus", **PKG, versions=["1.1.0"], targetStatus="Archived")
    _, after = call("ListPackageVersions", **PKG)
    assert after["defaultDisplayVersion"] == "1.0.0"


def test_paging_with_a_status_filter_skips_other_statuses(emu: Emulator, call: Call) -> None:
    for i in range(10):
        emu.add_version(
            "acme",
            "release",
            "npm",
            "acme",
            "w",
            f"1.0.{i}",
            status="Archived" if i % 3 == 0 else "Published",
            published=at(i),
        )
    assert pages(call, status="Archived", sortBy="PUBLISHED_TIME", maxResults=2) == [
        ["1.0.9", "1.0.6"],
        ["1.0.3", "1.0.0"],
    ]


def test_cursor_survives_inserts_and_deletes_between_pages(emu: Emulator, call: Call) -> None:
    seed(emu, *[(f"1.0.{i}", "Published", i) for i in range(6)])
    _, first = call("ListPackageVersions", **PKG, sortBy="PUBLISHED_TIME", maxResults=2)
    assert [v["version"] for v in first["versions"]] == ["1.0.5", "1.0.4"]
    # A newer version and a deleted already-seen one do not shift the next page.
    emu.add_version("acme", "release", "npm", "acme", "w", "9.0.0", published=at(99))
    call("DeletePackageVersions", **PKG, versions=["1.0.5"])
    _, second = call(
        "ListPackageVersions", **PKG, sortBy="PUBLISHED_TIME", maxResults=2, nextToken=first["nextToken"]
    )
    assert [v["version"] for v in second["versions"]] == ["1.0.3", "1.0.2"]


def test_token_reused_with_another_filter_is_rejected(emu: Emulator, call: Call) -> None:
    seed(emu, *[(f"1.0.{i}", "Published", i) for i in range(3)])
    _, first = call("ListPackageVersions", **PKG, maxResults=1)
    status, body = call(
        "ListPackageVersions", **PKG, maxResults=1, status="Published", nextToken=first["nextToken"]
    )
    assert status == 400
    assert "token" in body["message"]


def test_bulk_add_versions_orders_like_single_adds(emu: Emulator, call: Call) -> None:
    emu.add_versions(
        "acme", "release", "npm", "acme", "w", [("a", at(3)), ("b", at(1)), ("c", at(3)), ("d", at(2))]
    )
    assert pages(call, sortBy="PUBLISHED_TIME") == [["a", "c", "d", "b"]]
    assert emu.events == []


@pytest.mark.parametrize(
    ("mode", "current", "target", "allowed"),
    [
        ("update", "Published", "Archived", True),
        ("update", "Archived", "Published", True),
        ("update", "Unlisted", "Archived", True),
        ("update", "Unfinished", "Published", True),
        ("update", "Disposed", "Published", False),
        ("update", "Disposed", "Archived", False),
        ("update", "Published", "Unfinished", False),
        ("update", "Published", "Disposed", False),
        ("dispose", "Published", "Disposed", True),
        ("dispose", "Unfinished", "Disposed", True),
        ("dispose", "Disposed", "Disposed", True),
        ("delete", "Disposed", "Deleted", True),
    ],
)
def test_transition_table(mode: str, current: str, target: str, allowed: bool) -> None:
    assert transition_allowed(mode, current, target) is allowed


def test_one_failure_skips_every_other_version_and_changes_nothing(emu: Emulator, call: Call) -> None:
    revs = seed(emu, ("1.0.0", "Published", 0), ("1.1.0", "Published", 1), ("1.2.0", "Disposed", 2))
    status, body = call(
        "UpdatePackageVersionsStatus",
        **PKG,
        versions=["1.0.0", "1.1.0", "1.2.0", "9.9.9"],
        versionRevisions={"1.1.0": "WRONG"},
        targetStatus="Archived",
    )
    assert status == 200
    codes = {v: e["errorCode"] for v, e in body["failedVersions"].items()}
    assert codes == {
        "1.0.0": "SKIPPED",
        "1.1.0": "MISMATCHED_REVISION",
        "1.2.0": "NOT_ALLOWED",
        "9.9.9": "NOT_FOUND",
    }
    assert body["failedVersions"]["1.0.0"]["errorMessage"] == "version 1.0.0 is skipped"
    assert body["successfulVersions"] == {}
    assert emu.version_status("acme", "release", "npm", "acme", "w", "1.0.0") == "Published"
    assert emu.version_revision("acme", "release", "npm", "acme", "w", "1.1.0") == revs["1.1.0"]


def test_status_change_keeps_the_revision_and_emits_an_updated_event(emu: Emulator, call: Call) -> None:
    revs = seed(emu, ("1.0.0", "Published", 0))
    _, body = call(
        "UpdatePackageVersionsStatus",
        **PKG,
        versions=["1.0.0"],
        versionRevisions=revs,
        expectedStatus="Published",
        targetStatus="Archived",
    )
    assert body["successfulVersions"] == {"1.0.0": {"revision": revs["1.0.0"], "status": "Archived"}}
    (event,) = emu.events
    assert event["detail"]["operationType"] == "Updated"
    assert event["detail"]["packageVersionState"] == "Archived"
    assert event["detail"]["changes"]["statusChanged"] is True


def test_dispose_then_delete(emu: Emulator, call: Call) -> None:
    seed(emu, ("1.0.0", "Archived", 0))
    _, disposed = call("DisposePackageVersions", **PKG, versions=["1.0.0"], expectedStatus="Archived")
    assert disposed["successfulVersions"]["1.0.0"]["status"] == "Disposed"
    _, deleted = call("DeletePackageVersions", **PKG, versions=["1.0.0"], expectedStatus="Disposed")
    assert deleted["successfulVersions"]["1.0.0"]["status"] == "Deleted"
    assert emu.version_status("acme", "release", "npm", "acme", "w", "1.0.0") is None
    assert [e["detail"]["operationType"] for e in emu.events] == ["Updated", "Deleted"]
    assert [e["detail"]["sequenceNumber"] for e in emu.events] == [1, 2]
    assert emu.events[0]["detail"]["changes"]["assetsRemoved"] == 1


def test_invalid_update_target_is_a_validation_error(emu: Emulator, call: Call) -> None:
    seed(emu, ("1.0.0", "Published", 0))
    for target in ("Disposed", "Unfinished", "Deleted"):
        status, body = call("UpdatePackageVersionsStatus", **PKG, versions=["1.0.0"], targetStatus=target)
        assert status == 400, target
        assert "targetStatus" in body["message"]


def test_origin_configuration_creates_an_empty_package(emu: Emulator, call: Call) -> None:
    # NuGet requests may use a non-normalized name (nuget-name-normalization.html); the record
    # is stored under the normalized one.
    status, body = call(
        "PutPackageOriginConfiguration",
        domain="acme",
        repository="release",
        format="nuget",
        package="My.Pkg",
        restrictions={"publish": "BLOCK", "upstream": "ALLOW"},
    )
    assert status == 200
    assert body["originConfiguration"]["restrictions"] == {"publish": "BLOCK", "upstream": "ALLOW"}
    _, listed = call("ListPackages", domain="acme", repository="release", upstream="ALLOW")
    assert [(p["format"], p["package"]) for p in listed["packages"]] == [("nuget", "my.pkg")]
    _, versions = call(
        "ListPackageVersions", domain="acme", repository="release", format="nuget", package="MY.PKG"
    )
    assert versions["versions"] == []
    assert "defaultDisplayVersion" not in versions


def test_pypi_requests_must_use_the_normalized_name(emu: Emulator, call: Call) -> None:
    # Source: https://docs.aws.amazon.com/codeartifact/latest/ug/python-name-normalization.html
    # "the normalized name must be used in CodeArtifact CLI or API requests": a non-normalized
    # pypi name finds nothing, and PutPackageOriginConfiguration refuses to create a record for it.
    emu.add_version("acme", "release", "pypi", None, "My_Pkg", "1.0", published=at(0))

    found, _ = call("DescribePackage", domain="acme", repository="release", format="pypi", package="my-pkg")
    missing, body = call(
        "DescribePackage", domain="acme", repository="release", format="pypi", package="My_Pkg"
    )
    refused, _ = call(
        "PutPackageOriginConfiguration",
        domain="acme",
        repository="release",
        format="pypi",
        package="Other.Pkg",
        restrictions={"publish": "BLOCK", "upstream": "ALLOW"},
    )
    _, listed = call("ListPackages", domain="acme", repository="release")

    assert (found, missing, body["resourceType"], refused) == (200, 404, "package", 400)
    assert [p["package"] for p in listed["packages"]] == ["my-pkg"]


def test_origin_configuration_needs_both_halves(call: Call) -> None:
    status, body = call(
        "PutPackageOriginConfiguration",
        domain="acme",
        repository="release",
        format="npm",
        package="w",
        restrictions={"publish": "BLOCK"},
    )
    assert status == 400
    assert "restrictions.upstream" in body["message"]


def test_new_packages_get_the_default_origin_configuration(emu: Emulator) -> None:
    emu.add_version("acme", "release", "npm", None, "own", "1.0.0", origin="INTERNAL")
    emu.add_version("acme", "release", "npm", None, "lodash", "4.0.0", origin="EXTERNAL")
    assert emu.origin_configuration("acme", "release", "npm", None, "own") == {
        "publish": "ALLOW",
        "upstream": "BLOCK",
    }
    assert emu.origin_configuration("acme", "release", "npm", None, "lodash") == {
        "publish": "BLOCK",
        "upstream": "ALLOW",
    }


def test_list_packages_filters_and_pages(emu: Emulator, call: Call) -> None:
    for ns, name in [("acme", "a1"), ("acme-labs", "b1"), ("other", "c1"), (None, "d1"), ("acme", "x1")]:
        emu.add_version("acme", "release", "npm", ns, name, "1.0.0")
    _, by_ns = call("ListPackages", domain="acme", repository="release", namespace="acme")
    assert [p["package"] for p in by_ns["packages"]] == [
        "a1",
        "x1",
        "b1",
    ]  # prefix match, sorted by (ns, name)
    _, by_prefix = call("ListPackages", domain="acme", repository="release", packagePrefix="a")
    assert [p["package"] for p in by_prefix["packages"]] == ["a1"]
    seen: list[str] = []
    token = None
    while True:
        extra: dict[str, str] = {"nextToken": token} if token else {}
        _, page = call("ListPackages", domain="acme", repository="release", maxResults=2, **extra)
        seen += [p["package"] for p in page["packages"]]
        token = page.get("nextToken")
        if not token:
            break
    assert seen == ["d1", "a1", "x1", "b1", "c1"]


def test_missing_resources_are_not_found_with_their_type(call: Call) -> None:
    cases = {
        "domain": {"domain": "nope", "repository": "release"},
        "repository": {"domain": "acme", "repository": "nope"},
        "package": {"domain": "acme", "repository": "release"},
    }
    for resource_type, where in cases.items():
        status, body = call("ListPackageVersions", **where, format="npm", package="w")
        assert status == 404
        assert body["resourceType"] == resource_type


def test_unimplemented_operation_and_unknown_route_answer_errors(emu: Emulator) -> None:
    status, headers, _ = emu.handle("POST", "/v1/authorization-token?domain=acme", {}, b"")
    assert (status, headers["x-amzn-ErrorType"]) == (501, "UnsupportedOperationException")
    status, headers, _ = emu.handle("GET", "/v2/whatever", {}, b"")
    assert (status, headers["x-amzn-ErrorType"]) == (404, "UnknownOperationException")


def test_internal_failure_is_a_500_json_error(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(params: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("bug")

    monkeypatch.setattr(emu.store, "list_domains", boom)
    status, headers, body = emu.handle("POST", "/v1/domains", {}, b"")
    assert (status, headers["x-amzn-ErrorType"]) == (500, "InternalServerException")
    assert b"message" in body


def test_every_implemented_operation_has_a_handler() -> None:
    from botocore import xform_name
    from ca_emulator.server import IMPLEMENTED
    from ca_emulator.store import Store

    assert all(callable(getattr(Store, xform_name(name), None)) for name in IMPLEMENTED)


def test_repositories_page_across_domains(emu: Emulator, call: Call) -> None:
    emu.create_repository("acme", "ci-1")
    emu.create_domain("beta")
    emu.create_repository("beta", "ci-2")
    names: list[tuple[str, str]] = []
    token = None
    while True:
        extra: dict[str, str] = {"nextToken": token} if token else {}
        _, page = call("ListRepositories", maxResults=1, **extra)
        names += [(r["domainName"], r["name"]) for r in page["repositories"]]
        token = page.get("nextToken")
        if not token:
            break
    assert names == [("acme", "ci-1"), ("acme", "release"), ("beta", "ci-2")]
    _, prefixed = call("ListRepositoriesInDomain", domain="acme", repositoryPrefix="ci")
    assert [r["name"] for r in prefixed["repositories"]] == ["ci-1"]


class CountingVersions(dict[str, Any]):
    """A package's version map that counts lookups: the work ListPackageVersions does per page."""

    lookups = 0

    def __getitem__(self, key: str) -> Any:
        self.lookups += 1
        return super().__getitem__(key)


@pytest.mark.parametrize("sort_by", ["PUBLISHED_TIME", None])
def test_a_deep_page_examines_no_more_versions_than_a_first_page(
    emu: Emulator, call: Call, sort_by: str | None
) -> None:
    # Issue 4's acceptance: paging 100,000 versions costs about the same per page as 1,000. A
    # deterministic proxy for "no quadratic slow-down": the versions examined for page k do not
    # grow with k (a scan from the start to the cursor would examine k * page size).
    emu.add_versions("acme", "release", "npm", "acme", "w", ((f"1.{i}.0", at(i)) for i in range(5_000)))
    package = emu.store.domains["acme"].repositories["release"].packages[("npm", "acme", "w")]
    counting = CountingVersions(package.versions)
    package.versions = counting
    params: dict[str, Any] = {"maxResults": 100, **({"sortBy": sort_by} if sort_by else {})}

    examined: list[int] = []
    seen: list[str] = []
    token = None
    while True:
        before = counting.lookups
        status, body = call("ListPackageVersions", **PKG, **params, **({"nextToken": token} if token else {}))
        assert status == 200, body
        examined.append(counting.lookups - before)
        seen += [v["version"] for v in body["versions"]]
        token = body.get("nextToken")
        if not token:
            break

    assert len(examined) == 50
    assert len(seen) == len(set(seen)) == 5_000
    # One look-up per returned version, one that proves a next page exists, and (first call
    # only, then cached) one for defaultDisplayVersion.
    assert max(examined) <= 102
    assert max(examined[1:]) <= 101


def test_bulk_add_with_a_duplicate_changes_nothing(emu: Emulator, call: Call) -> None:
    # Given a package with two versions.
    emu.add_versions("acme", "release", "npm", "acme", "w", [("1.0.0", at(0)), ("2.0.0", at(2))])

    # When a bulk add repeats a version (here at its end, after a new one).
    with pytest.raises(ValueError, match=r"2\.0\.0 already exists"):
        emu.add_versions("acme", "release", "npm", "acme", "w", [("1.5.0", at(1)), ("2.0.0", at(3))])
    with pytest.raises(ValueError, match=r"3\.0\.0 already exists"):
        emu.add_versions("acme", "release", "npm", "acme", "other", [("3.0.0", at(1)), ("3.0.0", at(3))])

    # Then the package is as before (and newest-first paging still works), and no package
    # was created for the refused batch.
    assert pages(call, sortBy="PUBLISHED_TIME", maxResults=1) == [["2.0.0"], ["1.0.0"]]
    _, listed = call("ListPackages", domain="acme", repository="release")
    assert [p["package"] for p in listed["packages"]] == ["w"]
