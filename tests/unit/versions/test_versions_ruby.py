"""RubyGems Gem::Version ordering."""

from __future__ import annotations

import re

import pytest
from ca_lifecycle.versions import InvalidVersion, parse_version
from hypothesis import given, settings
from hypothesis import strategies as st
from version_asserts import assert_equal, assert_strictly_ascending, key, key_cmp

ASCENDING = [
    "0.9",
    "1.0.a.0.b",  # "b" faces the implicit zero after "1.0.a", and letters sort below numbers
    "1.0.a",
    "1.0.a1",
    "1.0.a1.0.1",
    "1.0.a9",
    "1.0.a10",
    "1.0.b1",
    "1.0.0-rc1",  # "-" reads as ".pre.", and "pre" sorts between "b" and "rc"
    "1.0.rc1",
    "1.0",
    "1.0.1",
    "1.9",
    "1.10",
    "5.a",  # canonical [5, "a"]: "a" < "rc"
    "5.0.0.rc2",  # canonical [5, "rc", 2]
    "5",
]


def test_given_known_versions_when_sorted_then_strictly_ascending() -> None:
    assert_strictly_ascending("ruby", ASCENDING)


@pytest.mark.parametrize(
    "spellings",
    [
        ["1.0", "1.0.0", "1", " 1.0 "],
        ["0", "0.0.0"],
        ["1.0.0.a.1.0", "1.0.0.a.1", "1.a.1", "1.0.a1"],
        ["1.0-1", "1.0.pre.1"],
    ],
)
def test_given_equivalent_spellings_when_compared_then_equal(spellings: list[str]) -> None:
    assert_equal("ruby", spellings)


@pytest.mark.parametrize(
    ("text", "prerelease", "release"),
    [
        ("1.2.3", False, (1, 2, 3)),
        ("1.2.3.a", True, (1, 2, 3)),
        ("1.2.rc1", True, (1, 2, 0)),
        ("1.2-1", True, (1, 2, 0)),
        ("7", False, (7, 0, 0)),
    ],
)
def test_given_a_version_when_parsed_then_prerelease_and_release_are_reported(
    text: str, prerelease: bool, release: tuple[int, ...]
) -> None:
    parsed = parse_version("ruby", text)
    assert parsed.prerelease is prerelease
    assert parsed.release == release


@pytest.mark.parametrize(
    "text",
    ["\u20281.0", "1.0\u00a0", "\u3000", "not-a-version", "a.1", "1..2", "1.0-", "1.0.", "1.0_1", "1 .0"],
)
def test_given_invalid_text_when_parsed_then_invalid_version(text: str) -> None:
    with pytest.raises(InvalidVersion):
        parse_version("ruby", text)


@pytest.mark.parametrize("blank", ["", " ", "   "])
def test_given_a_blank_version_when_parsed_then_it_is_version_zero(blank: str) -> None:
    # Gem::Version.new("") is "0" (test_gem_version.rb, test_empty_version).
    assert parse_version("ruby", blank).key == parse_version("ruby", "0").key


def _gem_compare(left: str, right: str) -> int:
    """Gem::Version#<=> ported line by line, as an oracle for the flat key."""

    def canonical(text: str) -> list[int | str]:
        segments: list[int | str] = [
            int(s) if s.isdigit() else s
            for s in re.findall(r"[0-9]+|[a-z]+", text.strip().replace("-", ".pre."), re.I)
        ]
        start = next((i for i, s in enumerate(segments) if isinstance(s, str)), len(segments))
        parts = [segments[:start], segments[start:]]
        for part in parts:
            while part and part[-1] == 0:
                part.pop()
        return parts[0] + parts[1]

    lhs, rhs = canonical(left), canonical(right)
    for index in range(max(len(lhs), len(rhs))):
        a = lhs[index] if index < len(lhs) else 0
        b = rhs[index] if index < len(rhs) else 0
        if a == b:
            continue
        if isinstance(a, str) and isinstance(b, int):
            return -1
        if isinstance(a, int) and isinstance(b, str):
            return 1
        return -1 if a < b else 1  # type: ignore[operator]
    return 0


_PART = st.sampled_from(["0", "0", "1", "2", "10", "a", "b", "rc", "pre", "a1", "0a", "B"])
_GEM = st.builds(
    lambda first, rest, suffix: first + "".join("." + part for part in rest) + suffix,
    st.sampled_from(["0", "1", "2"]),
    st.lists(_PART, max_size=6),
    st.sampled_from(["", "", "-1", "-rc.0", "-beta"]),
)


@settings(max_examples=400)
@given(_GEM, _GEM)
def test_given_random_versions_when_compared_then_the_key_agrees_with_gem_version(
    left: str, right: str
) -> None:
    assert key_cmp(key("ruby", left), key("ruby", right)) == _gem_compare(left, right)
