"""Maven ComparableVersion ordering.

The ascending tables are Maven's own (``ComparableVersionTest`` VERSIONS_QUALIFIER and
VERSIONS_NUMBER) plus the examples of the POM reference's "Version Order Specification".
Every other expectation here was checked by running ComparableVersion (apache/maven master,
the commit named in vectors/maven.json) on the same strings.
"""

from __future__ import annotations

import pytest
from ca_lifecycle.engine.ranking import bucket_of, rank_versions
from ca_lifecycle.facts import OriginType, Status, VersionFact
from ca_lifecycle.policy import Ordering
from ca_lifecycle.versions import InvalidVersion, parse_version
from version_asserts import assert_equal, assert_strictly_ascending, key

QUALIFIERS_ASCENDING = [
    "1-alpha2snapshot",
    "1-alpha2",
    "1-alpha-123",
    "1-beta-2",
    "1-beta123",
    "1-m2",
    "1-m11",
    "1-rc",
    "1-cr2",
    "1-rc123",
    "1-SNAPSHOT",
    "1",
    "1-sp",
    "1-sp2",
    "1-sp123",
    "1-abc",
    "1-def",
    "1-pom-1",
    "1-1-snapshot",
    "1-1",
    "1-2",
    "1-123",
]

NUMBERS_ASCENDING = [
    "2.0",
    "2.0.a",
    "2-1",
    "2.0.2",
    "2.0.123",
    "2.1.0",
    "2.1-a",
    "2.1b",
    "2.1-c",
    "2.1-1",
    "2.1.0.1",
    "2.2",
    "2.123",
    "11.a2",
    "11.a11",
    "11.b2",
    "11.b11",
    "11.m2",
    "11.m11",
    "11",
    "11.a",
    "11b",
    "11c",
    "11m",
]

BRIEF_ASCENDING = ["1.0-alpha-1", "1.0-SNAPSHOT", "1.0", "1.0-sp1", "1.9", "1.10"]

SPEC_ASCENDING = ["1-snapshot", "1", "1-sp", "1-sp.1", "1-foo", "1-foo2", "1-foo10", "1-1", "1.1"]


@pytest.mark.parametrize(
    "table",
    [QUALIFIERS_ASCENDING, NUMBERS_ASCENDING, BRIEF_ASCENDING, SPEC_ASCENDING],
    ids=["qualifiers", "numbers", "brief", "spec"],
)
def test_given_a_known_table_when_sorted_then_strictly_ascending(table: list[str]) -> None:
    assert_strictly_ascending("maven", table)


@pytest.mark.parametrize(
    "spellings",
    [
        ["1", "1.0", "1.0.0", "1.ga", "1-ga", "1-0", "1.final", "1.RELEASE", "1-release", "1."],
        ["1.0-RC1", "1.0-cr1", "1.0.rc1", "1-rc-1", "1.0.0-Rc1"],
        ["1a1", "1-alpha-1", "1.0-ALPHA1", "1-a1"],
        ["1b2", "1-beta-2"],
        ["1m3", "1-milestone-3"],
        ["1a", "1-a", "1.0-a", "1.0.0-a", "1A"],
        ["1..2", "1.0.2"],  # an empty token is a zero
        ["1.0.0.X1", "1.0.0-X1"],  # a qualifier after "." opens a list, as after "-"
    ],
)
def test_given_equivalent_spellings_when_compared_then_equal(spellings: list[str]) -> None:
    assert_equal("maven", spellings)


@pytest.mark.parametrize(
    "ascending",
    [
        # A release qualifier inside a list is kept (Maven 4): "1-ga-1" is not "1-1".
        ["1-ga-1", "1-0-1", "1-1"],
        # "rc1" is one combination item; "rc.1" is a qualifier, then a number.
        ["1.0-rc.1", "1.0-rc1"],
        ["1.0-rc.1", "1.0-rc.2"],
        ["1.2.3-beta.1", "1.2.3-beta-2"],
        # Issue 13: a number after zero components is a nested list, below any release.
        ["0-7", "0.0-5", "0.0.0-1", "0.0.0-2", "1.0.0"],
        # Issue 13: a hyphenated number after letters is one combination item (redhat1),
        # which ranks by its unknown qualifier above sp1.
        ["2.2.5", "2.2.5.SP1", "2.2.5.SP1-redhat-00001", "2.2.5.redhat-00001"],
        # A v-prefixed version is a combination item: below every plain number.
        ["v1.0.0-rc1", "v1.0.0", "v2.0.0", "1.0.0"],
        # Text without a number is a version too, below every number.
        ["latest", "not-a-version", "1"],
        ["1.0", "1.0-\u03b21"],
    ],
)
def test_given_versions_maven_orders_when_keyed_then_strictly_ascending(ascending: list[str]) -> None:
    assert_strictly_ascending("maven", ascending)


def test_given_prerelease_qualifiers_when_compared_to_the_release_then_all_sort_below_it() -> None:
    release = key("maven", "2.0")
    for qualifier in ["alpha", "a1", "beta", "b2", "milestone", "m3", "rc", "cr", "snapshot"]:
        assert key("maven", f"2.0-{qualifier}") < release
    for qualifier in ["sp", "sp1", "foo", "a", "b", "m", "1", "0.1"]:
        assert key("maven", f"2.0-{qualifier}") > release


@pytest.mark.parametrize(
    ("text", "prerelease", "release"),
    [
        ("1.2.3", False, (1, 2, 3)),
        ("1.2.3-SNAPSHOT", True, (1, 2, 3)),
        ("1.2.3.RELEASE", False, (1, 2, 3)),
        ("1.2-rc1", True, (1, 2, 0)),
        ("1.2-RC-1", True, (1, 2, 0)),
        ("1.2-M1", True, (1, 2, 0)),
        ("1.2-a1", True, (1, 2, 0)),
        ("1.2.alpha", True, (1, 2, 0)),
        ("1.2-a", False, (1, 2, 0)),  # a lone "a" is an unknown qualifier, not alpha
        ("1.2-sp1", False, (1, 2, 0)),
        ("1.2.3.4-jre", False, (1, 2, 3, 4)),
        ("5", False, (5, 0, 0)),
        ("r09", False, (0, 0, 0)),
        # Issue 13: the "v" is not part of the release line (per: major groups v1.x with 1.x).
        ("v1.0.0", False, (1, 0, 0)),
        ("V2.3", False, (2, 3, 0)),
        ("v1.0.0-rc1", True, (1, 0, 0)),
        ("latest", False, (0, 0, 0)),
        ("SNAPSHOT", True, (0, 0, 0)),
    ],
)
def test_given_a_version_when_parsed_then_prerelease_and_release_are_reported(
    text: str, prerelease: bool, release: tuple[int, ...]
) -> None:
    parsed = parse_version("maven", text)
    assert parsed.prerelease is prerelease
    assert parsed.release == release


@pytest.mark.parametrize("text", ["", "1.0 beta", "1.0\t", "\x001", " 1.0", "x" * 256])
def test_given_invalid_text_when_parsed_then_invalid_version(text: str) -> None:
    # Maven takes any string; blanks and control characters cannot be in a deployed version.
    with pytest.raises(InvalidVersion):
        parse_version("maven", text)


def _facts(versions: list[str]) -> list[VersionFact]:
    # Published in list order: the last one is the newest by publish time.
    return [
        VersionFact(
            version=text,
            status=Status.PUBLISHED,
            revision=f"r{order}",
            origin_type=OriginType.INTERNAL,
            publish_order=len(versions) - 1 - order,
            published=None,
        )
        for order, text in enumerate(versions)
    ]


def test_given_issue_13_versions_when_ranked_by_the_engine_then_1_0_0_is_the_newest() -> None:
    # Issue 13: with ["1.0.0", "0.0.0-2"] and beyond_newest: 1 the engine kept 0.0.0-2.
    ranking = rank_versions(_facts(["1.0.0", "0.0.0-2", "0-7", "0.0-5", "0.0.0-1"]), "maven", Ordering.AUTO)
    assert [item.fact.version for item in ranking.live] == ["1.0.0", "0.0.0-2", "0.0.0-1", "0.0-5", "0-7"]


def test_given_a_v_prefixed_version_when_grouped_per_major_then_it_joins_its_release_line() -> None:
    ranking = rank_versions(_facts(["v1.0.0", "1.2.0", "v2.0.0"]), "maven", Ordering.AUTO)
    lines = {item.fact.version: bucket_of(item, "major") for item in ranking.live}
    assert lines == {"v1.0.0": (1,), "1.2.0": (1,), "v2.0.0": (2,)}
