"""Package-group patterns and the minimal package-group operations."""

from __future__ import annotations

import pytest
from ca_emulator import Emulator
from ca_emulator.groups import ALL, EXACT, FORMAT, NAME_PREFIX, NAMESPACE, NAMESPACE_PREFIX, parse_pattern
from emulator_unit_helpers import Call


@pytest.mark.parametrize(
    ("text", "level", "namespace", "name"),
    [
        ("/*", ALL, "", ""),
        ("/npm/*", FORMAT, "", ""),
        ("/maven/com.acme~", NAMESPACE_PREFIX, "com.acme", ""),
        ("/npm/acme/*", NAMESPACE, "acme", ""),
        ("/pypi//*", NAMESPACE, "", ""),
        ("/npm/acme/web~", NAME_PREFIX, "acme", "web"),
        ("/npm/acme/widgets$", EXACT, "acme", "widgets"),
        ("/pypi//My_Pkg$", EXACT, "", "my-pkg"),  # names normalized like packages
    ],
)
def test_patterns_parse(text: str, level: int, namespace: str, name: str) -> None:
    pattern = parse_pattern(text)
    assert (pattern.level, pattern.namespace, pattern.name) == (level, namespace, name)


@pytest.mark.parametrize(
    "text", ["npm/*", "/rpm/*", "/npm", "/npm/acme", "/npm/acme/x", "/npm/a/b/c$", "/npm/~"]
)
def test_bad_patterns_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="pattern"):
        parse_pattern(text)


@pytest.mark.parametrize(
    ("text", "package", "matches"),
    [
        ("/*", ("cargo", None, "serde"), True),
        ("/npm/*", ("npm", "acme", "w"), True),
        ("/npm/*", ("pypi", None, "w"), False),
        ("/maven/com.acme~", ("maven", "com.acme.tools", "core"), True),
        ("/maven/com.acme~", ("maven", "org.acme", "core"), False),
        ("/npm/acme/*", ("npm", "acme", "w"), True),
        ("/npm/acme/*", ("npm", "acme-labs", "w"), False),
        ("/npm//*", ("npm", None, "left-pad"), True),
        ("/npm/acme/web~", ("npm", "acme", "web-ui"), True),
        ("/npm/acme/web~", ("npm", "acme", "api"), False),
        ("/npm/acme/widgets$", ("npm", "acme", "widgets"), True),
        ("/npm/acme/widgets$", ("npm", "acme", "widgets2"), False),
    ],
)
def test_pattern_matching(text: str, package: tuple[str, str | None, str], matches: bool) -> None:
    assert parse_pattern(text).matches(*package) is matches


@pytest.mark.parametrize(
    ("outer", "inner", "covers"),
    [
        ("/*", "/npm/acme/w$", True),
        ("/npm/*", "/npm/acme~", True),
        ("/npm/acme~", "/npm/acme-labs/*", True),
        ("/npm/acme/*", "/npm/acme/w~", True),
        ("/npm/acme/w~", "/npm/acme/widgets$", True),
        ("/npm/acme/widgets$", "/npm/acme/w~", False),
        ("/npm/acme/*", "/npm/acme~", False),
        ("/pypi/*", "/npm/*", False),
    ],
)
def test_pattern_coverage(outer: str, inner: str, covers: bool) -> None:
    assert parse_pattern(outer).covers(parse_pattern(inner)) is covers


def test_groups_inherit_origin_modes_from_their_parent(emu: Emulator, call: Call) -> None:
    call("CreatePackageGroup", domain="acme", packageGroup="/npm/acme/*")
    call("CreatePackageGroup", domain="acme", packageGroup="/npm/acme/widgets$")
    call(
        "UpdatePackageGroupOriginConfiguration",
        domain="acme",
        packageGroup="/npm/acme/*",
        restrictions={"PUBLISH": "BLOCK"},
    )

    _, described = call("DescribePackageGroup", domain="acme", packageGroup="/npm/acme/widgets$")
    group = described["packageGroup"]
    assert group["parent"]["pattern"] == "/npm/acme/*"
    publish = group["originConfiguration"]["restrictions"]["PUBLISH"]
    assert (publish["mode"], publish["effectiveMode"], publish["inheritedFrom"]["pattern"]) == (
        "INHERIT",
        "BLOCK",
        "/npm/acme/*",
    )

    _, associated = call(
        "GetAssociatedPackageGroup", domain="acme", format="npm", namespace="acme", package="widgets"
    )
    assert (associated["packageGroup"]["pattern"], associated["associationType"]) == (
        "/npm/acme/widgets$",
        "STRONG",
    )
    _, listed = call("ListPackageGroups", domain="acme", prefix="/npm")
    assert [g["pattern"] for g in listed["packageGroups"]] == ["/npm/acme/*", "/npm/acme/widgets$"]


def test_group_errors(call: Call) -> None:
    assert call("CreatePackageGroup", domain="acme", packageGroup="/npm/*")[0] == 200
    assert call("CreatePackageGroup", domain="acme", packageGroup="/npm/*")[0] == 409
    assert call("CreatePackageGroup", domain="acme", packageGroup="npm")[0] == 400
    assert call("DescribePackageGroup", domain="acme", packageGroup="/pypi/*")[0] == 404
    assert call("DeletePackageGroup", domain="acme", packageGroup="/*")[0] == 400
    assert call("DeletePackageGroup", domain="acme", packageGroup="/npm/*")[0] == 200
