"""NuGet version ordering (NuGetVersion, VersionComparer.Default)."""

from __future__ import annotations

import pytest
from ca_lifecycle.versions import InvalidVersion, parse_version
from version_asserts import assert_equal, assert_strictly_ascending, key

ASCENDING = [
    "0.9",
    "1.0.0-1",
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-Alpha.2",  # labels compare case-insensitively
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-beta-10",  # a legacy SemVer 1 label is one identifier, compared as text...
    "1.0.0-beta-2",  # ...so "beta-10" sorts before "beta-2", as in NuGet
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.0.1-beta",
    "1.0.0.1",
    "1.0.1",
    "1.1",
    "1.9",
    "1.10",
    "2",
]


def test_given_known_versions_when_sorted_then_strictly_ascending() -> None:
    assert_strictly_ascending("nuget", ASCENDING)


@pytest.mark.parametrize(
    "spellings",
    [
        ["1.0.0.0", "1.0.0", "1.0", "1", "1.0.0+build.7", "1.00.0"],
        ["1.0.0-Beta", "1.0.0-beta", "1.0.0-BETA+sha.1"],
        ["1.2.3.4-RC.1", "1.2.3.4-rc.1"],
    ],
)
def test_given_equivalent_spellings_when_compared_then_equal(spellings: list[str]) -> None:
    assert_equal("nuget", spellings)


@pytest.mark.parametrize(
    ("text", "prerelease", "release"),
    [
        ("1.0", False, (1, 0, 0, 0)),
        ("1.2.3.4", False, (1, 2, 3, 4)),
        ("1.2.3+meta", False, (1, 2, 3, 0)),
        ("1.2.3-preview.1", True, (1, 2, 3, 0)),
        ("4-beta", True, (4, 0, 0, 0)),
    ],
)
def test_given_a_version_when_parsed_then_prerelease_and_release_are_reported(
    text: str, prerelease: bool, release: tuple[int, ...]
) -> None:
    parsed = parse_version("nuget", text)
    assert parsed.prerelease is prerelease
    assert parsed.release == release


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not-a-version",
        "1.0.0.0.0",
        "1.0.0-",
        "1.0.0-beta..1",
        "v1.0",
        "1.0.0+",
        ".1",
        "1.",
        "1.0_1",
        "2147483648.0",  # above int.MaxValue
        "1.0.0.2147483648",
        "1.0.0-02",  # an all-digit label with a leading zero
        "1.0.0-beta.01",
        "1.0.0-beta+",
        "1 0",
    ],
)
def test_given_invalid_text_when_parsed_then_invalid_version(text: str) -> None:
    with pytest.raises(InvalidVersion):
        parse_version("nuget", text)


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        (" 1.0 ", "1.0.0.0"),  # NuGet trims
        ("1 .2", "1.2"),  # and tolerates blanks around a number
        ("2147483647.0", "2147483647.0.0.0"),
        ("1.0.0-0", "1.0.0-0"),
        ("1.0.0-beta.0", "1.0.0-BETA.0+meta.01"),
    ],
)
def test_given_nuget_leniencies_when_parsed_then_accepted(text: str, same_as: str) -> None:
    assert parse_version("nuget", text).key == parse_version("nuget", same_as).key


def test_given_labels_that_int_parse_rejects_when_compared_then_they_compare_as_text() -> None:
    # int.TryParse: 2147483648 overflows, so NuGet compares it as text, above every number.
    assert key("nuget", "1.0.0-2147483647") < key("nuget", "1.0.0-2147483648") < key("nuget", "1.0.0-a")
    # "-1" is int.TryParse's -1: numeric, below 0.
    assert key("nuget", "1.0.0--1") < key("nuget", "1.0.0-0")
