"""Seeded asset sizes (seed ``assets`` and ``add_version(assets=…)``) as ListPackageVersionAssets
reports them, paged; and the ``deny`` fault answering AccessDeniedException like IAM."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ca_emulator import Emulator, Faults, SeedError
from emulator_unit_helpers import Call, at

WIDGETS = {
    "domain": "acme",
    "repository": "release",
    "format": "npm",
    "namespace": "acme",
    "package": "widgets",
}
VERSION = "domains[0].repositories[0].packages[0].versions[0]"


def _seed(version: dict[str, Any]) -> dict[str, Any]:
    package = {"format": "npm", "namespace": "acme", "name": "widgets", "versions": [version]}
    return {"domains": [{"name": "acme", "repositories": [{"name": "release", "packages": [package]}]}]}


def _assets(call: Call, version: str = "1.0.0", **extra: Any) -> tuple[int, dict[str, Any]]:
    return call("ListPackageVersionAssets", **WIDGETS, packageVersion=version, **extra)


# ------------------------------------------------------------------------------------- assets


def test_seeded_assets_are_listed_with_their_sizes_and_four_hashes(emu: Emulator, call: Call) -> None:
    # Given a seed whose version carries two assets
    assets = [{"name": "widgets-1.0.0.tgz", "size": 2048}, {"name": "package.json", "size": 512}]
    emu.load_seed(_seed({"version": "1.0.0", "assets": assets}))

    # When listing its assets
    status, body = _assets(call)

    # Then both are listed (by name), with the seeded sizes and the four hash algorithms
    assert status == 200
    assert [(a["name"], a["size"]) for a in body["assets"]] == [
        ("package.json", 512),
        ("widgets-1.0.0.tgz", 2048),
    ]
    assert all(set(a["hashes"]) == {"MD5", "SHA-1", "SHA-256", "SHA-512"} for a in body["assets"])
    assert "nextToken" not in body


def test_a_version_seeded_without_assets_gets_its_formats_default_assets(emu: Emulator, call: Call) -> None:
    # Given versions seeded without `assets` (seed file and Python API), and one with `assets: []`
    emu.load_seed(_seed({"version": "1.0.0", "status": "Archived"}))
    emu.add_version("acme", "release", "npm", "acme", "widgets", "2.0.0", status="Archived")
    emu.add_version("acme", "release", "npm", "acme", "widgets", "3.0.0", assets=[])
    # Then the defaults are listed: npm's one package.tgz, of a non-zero, deterministic size
    first, second = _assets(call)[1]["assets"], _assets(call, "2.0.0")[1]["assets"]
    assert [a["name"] for a in first] == [a["name"] for a in second] == ["package.tgz"]
    assert first[0]["size"] > 0
    assert first[0]["size"] != second[0]["size"]  # derived from the version, not one constant
    assert _assets(call, "3.0.0")[1]["assets"] == []  # explicit none stays none
    # And dispose reports them removed, and lists none afterwards
    call("DisposePackageVersions", **WIDGETS, versions=["1.0.0"], expectedStatus="Archived")
    assert emu.events[-1]["detail"]["changes"]["assetsRemoved"] == 1
    assert _assets(call)[1]["assets"] == []


def test_add_version_takes_assets_and_dispose_removes_them(emu: Emulator, call: Call) -> None:
    # Given a version added through the Python API with two assets
    emu.add_version(
        "acme",
        "release",
        "npm",
        "acme",
        "widgets",
        "1.0.0",
        published=at(1),
        assets=[("a.tgz", 100), ("b.json", 23)],
        emit_event=True,
    )
    assert emu.events[-1]["detail"]["changes"]["assetsAdded"] == 2
    assert sum(a["size"] for a in _assets(call)[1]["assets"]) == 123

    # When it is disposed
    status, _ = call("DisposePackageVersions", **WIDGETS, versions=["1.0.0"], expectedStatus="Published")

    # Then its assets are gone (billing stops) and the event says how many were removed
    assert status == 200
    assert _assets(call)[1]["assets"] == []
    assert emu.events[-1]["detail"]["changes"]["assetsRemoved"] == 2


def test_asset_listing_pages_by_name(emu: Emulator, call: Call) -> None:
    # Given five assets
    emu.add_version(
        "acme", "release", "npm", "acme", "widgets", "1.0.0", assets=[(f"f{i}", i) for i in range(5)]
    )

    # When paging two at a time
    names: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        extra: dict[str, Any] = {"maxResults": 2}
        if token:
            extra["nextToken"] = token
        status, body = _assets(call, **extra)
        assert status == 200
        names += [a["name"] for a in body["assets"]]
        pages += 1
        token = body.get("nextToken")
        if not token:
            break

    # Then every asset once, in name order, over three pages
    assert (names, pages) == (["f0", "f1", "f2", "f3", "f4"], 3)


def test_a_missing_version_has_no_assets_to_list(emu: Emulator, call: Call) -> None:
    emu.add_version("acme", "release", "npm", "acme", "widgets", "1.0.0")
    status, body = _assets(call, "9.9.9")
    assert status == 404
    assert body["resourceType"] == "package-version"


@pytest.mark.parametrize(
    ("assets", "field"),
    [
        ("a.tgz", f"{VERSION}.assets"),
        (["a.tgz"], f"{VERSION}.assets[0]"),
        ([{"size": 1}], f"{VERSION}.assets[0].name"),
        ([{"name": "a", "size": -1}], f"{VERSION}.assets[0].size"),
        ([{"name": "a", "size": "1k"}], f"{VERSION}.assets[0].size"),
        ([{"name": "a", "size": True}], f"{VERSION}.assets[0].size"),
        ([{"name": "a", "size": 1, "sha": "x"}], f"{VERSION}.assets[0].sha"),
        ([{"name": "a", "size": 1}, {"name": "a", "size": 2}], f"{VERSION}.assets[1].name"),
        ([{"name": "", "size": 1}], f"{VERSION}.assets[0].name"),
    ],
)
def test_bad_seed_assets_are_named_and_nothing_is_loaded(assets: Any, field: str) -> None:
    emulator = Emulator()
    with pytest.raises(SeedError) as err:
        emulator.load_seed(_seed({"version": "1.0.0", "assets": assets}))
    assert err.value.field == field
    assert emulator.store.domains == {}


@pytest.mark.parametrize(
    "assets",
    [[("a", -1)], [("a", 1), ("a", 2)], [("", 1)], [("a", 1.5)]],
)
def test_add_version_refuses_bad_assets(emu: Emulator, assets: Any) -> None:
    with pytest.raises(ValueError):
        emu.add_version("acme", "release", "npm", "acme", "widgets", "1.0.0", assets=assets)
    assert emu.version_status("acme", "release", "npm", "acme", "widgets", "1.0.0") is None


# --------------------------------------------------------------------------------------- deny


def test_denied_operations_answer_403_access_denied_naming_the_action_and_resource(
    emu: Emulator, call: Call
) -> None:
    # Given ListPackages is denied through the introspection API
    emu.add_version("acme", "release", "npm", "acme", "widgets", "1.0.0")
    status, _, body = emu.handle(
        "POST", "/_emulator/faults", {}, json.dumps({"deny": ["ListPackages"]}).encode()
    )
    assert (status, json.loads(body)["deny"]) == (200, ["ListPackages"])

    # When listing packages, and listing versions (not denied)
    denied = call("ListPackages", domain="acme", repository="release")
    allowed = call("ListPackageVersions", **WIDGETS)

    # Then only the denied operation answers AccessDeniedException, in IAM's words
    assert denied == (
        403,
        {
            "message": "User: arn:aws:iam::111122223333:user/test is not authorized to perform: "
            "codeartifact:ListPackages on resource: "
            "arn:aws:codeartifact:us-east-1:111122223333:repository/acme/release because no "
            "identity-based policy allows the codeartifact:ListPackages action"
        },
    )
    assert allowed[0] == 200
    # And the denied request still counts in the stats (it reached the endpoint)
    assert emu.stats()["ListPackages"] == 1


@pytest.mark.parametrize(
    ("operation", "params", "resource"),
    [
        ("ListRepositoriesInDomain", {"domain": "acme"}, "domain/acme"),
        (
            "DescribePackage",
            {"domain": "acme", "repository": "release", "format": "pypi", "package": "requests"},
            "package/acme/release/pypi//requests",
        ),
        ("ListDomains", {}, None),
    ],
)
def test_the_denied_resource_is_the_one_iam_evaluates(
    emu: Emulator, call: Call, operation: str, params: dict[str, str], resource: str | None
) -> None:
    emu.faults.deny = [operation]  # the Python API: a plain attribute, like every fault
    status, body = call(operation, **params)
    assert status == 403
    arn = "*" if resource is None else f"arn:aws:codeartifact:us-east-1:111122223333:{resource}"
    assert f"codeartifact:{operation} on resource: {arn} because" in body["message"]


def test_deny_comes_before_throttling_and_is_lifted_by_clearing_it(emu: Emulator, call: Call) -> None:
    emu.faults = Faults.from_json({"deny": ["ListDomains"], "throttle_every": 1})
    assert call("ListDomains")[0] == 403
    emu.faults = Faults.from_json({})
    assert call("ListDomains")[0] == 200


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"deny": "ListPackages"}, "deny: must be a list of operation names"),
        ({"deny": [1]}, "deny: must be a list of operation names"),
        ({"deny": ["ListPackage"]}, "deny: not CodeArtifact operation(s): ListPackage"),
    ],
)
def test_bad_deny_lists_are_refused(document: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as err:
        Faults.from_json(document)
    assert str(err.value) == message
