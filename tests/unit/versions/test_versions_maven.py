"""Maven ComparableVersion ordering.

The ascending tables are Maven's own (``ComparableVersionTest`` VERSIONS_QUALIFIER and
VERSIONS_NUMBER) plus the examples of the POM reference's "Version Order Specification".
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from ca_lifecycle.versions import InvalidVersion, maven, parse_version
from hypothesis import given, settings
from hypothesis import strategies as st
from version_asserts import assert_equal, assert_strictly_ascending, key, key_cmp

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
        ["1-ga-1", "1-1", "1-0-1"],  # our simplification: Maven ranks the other two below 1-1
        ["1..2", "1.0.2"],  # an empty token is a zero
        ["1.0.0.X1", "1.0.0-X1"],  # a qualifier after "." opens a list, as after "-"
    ],
)
def test_given_equivalent_spellings_when_compared_then_equal(spellings: list[str]) -> None:
    assert_equal("maven", spellings)


def test_given_a_dotted_number_after_a_qualifier_when_compared_then_it_beats_a_hyphenated_one() -> None:
    # Maven: in "rc.1" the 1 sits in the qualifier's list, in "rc1" it opens a nested list,
    # and a number outranks a list at the same position.
    assert key("maven", "1.0-rc1") < key("maven", "1.0-rc.1") < key("maven", "1.0-rc.2")


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
    ],
)
def test_given_a_version_when_parsed_then_prerelease_and_release_are_reported(
    text: str, prerelease: bool, release: tuple[int, ...]
) -> None:
    parsed = parse_version("maven", text)
    assert parsed.prerelease is prerelease
    assert parsed.release == release


@pytest.mark.parametrize("text", ["", "latest", "not-a-version", "1.0 beta", "1.0\t", "1.0-β1", "\x001"])
def test_given_invalid_text_when_parsed_then_invalid_version(text: str) -> None:
    with pytest.raises(InvalidVersion):
        parse_version("maven", text)


# Reference: Maven's recursive Item.compareTo, over nested lists built from the same tokens.
# Items are ints, (rank, text) qualifiers or nested lists; None is a missing item.
_Nested = list[object]


def _nest(chain: Sequence[Sequence[object]]) -> _Nested:
    root: _Nested = []
    current = root
    for depth, items in enumerate(chain):
        if depth:
            child: _Nested = []
            current.append(child)
            current = child
        current.extend(items)
    return root


def _cmp_null(item: object) -> int:
    """item.compareTo(null) in Maven 3.9 (a list compares by its first non-null item)."""
    if isinstance(item, int):
        return 1 if item else 0
    if isinstance(item, tuple):
        rank = int(item[0])
        return (rank > 5) - (rank < 5)
    assert isinstance(item, list)
    return next((result for sub in item if (result := _cmp_null(sub))), 0)


def _reference(left: object, right: object) -> int:
    if left is None:
        return -_cmp_null(right)
    if right is None:
        return _cmp_null(left)
    kinds = {int: 2, list: 1, tuple: 0}  # number > list > qualifier at one position
    left_kind, right_kind = kinds[type(left)], kinds[type(right)]
    if left_kind != right_kind:
        return 1 if left_kind > right_kind else -1
    if isinstance(left, list) and isinstance(right, list):
        for index in range(max(len(left), len(right))):
            result = _reference(
                left[index] if index < len(left) else None, right[index] if index < len(right) else None
            )
            if result:
                return result
        return 0
    return int((left > right) - (left < right))  # type: ignore[operator]


_TOKEN = st.sampled_from(
    [
        "0",
        "1",
        "2",
        "10",
        "alpha",
        "a",
        "beta",
        "b",
        "m",
        "rc",
        "cr",
        "snapshot",
        "ga",
        "final",
        "sp",
        "foo",
        "jre",
    ]
)
_MAVEN = st.builds(
    lambda first, rest: first + "".join(sep + token for sep, token in rest),
    st.sampled_from(["0", "1", "2", "10"]),
    st.lists(st.tuples(st.sampled_from([".", "-", ""]), _TOKEN), max_size=5),
)


@settings(max_examples=400)
@given(_MAVEN, _MAVEN)
def test_given_random_versions_when_compared_then_the_flat_key_agrees_with_the_recursive_rules(
    left: str, right: str
) -> None:
    nested_left = _nest(maven._normalize(maven._tokenize(left.lower())))
    nested_right = _nest(maven._normalize(maven._tokenize(right.lower())))
    assert key_cmp(key("maven", left), key("maven", right)) == _reference(nested_left, nested_right)
