"""SemVer 2.0.0 precedence (npm, cargo, swift), parsed as node-semver's loose mode."""

from __future__ import annotations

import pytest
from ca_lifecycle.versions import InvalidVersion, parse_version
from hypothesis import given
from hypothesis import strategies as st
from version_asserts import assert_equal, assert_strictly_ascending, key, key_cmp, sign

# semver.org, spec item 11, followed by the numeric-versus-lexical traps.
ASCENDING = [
    "0.0.1",
    "0.9.0",
    "1.0.0-0",
    "1.0.0-0.0",
    "1.0.0-1",
    "1.0.0-2",
    "1.0.0-10",
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.1",
    "1.9.0",
    "1.10.0",
    "1.10.1-RC",
    "1.10.1-rc",
    "1.10.1",
    "2.0.0",
    "10.0.0",
    "9007199254740991.0.0",  # 2**53 - 1: node-semver's largest number
]


def test_given_the_spec_sequence_when_sorted_then_strictly_ascending() -> None:
    assert_strictly_ascending("semver", ASCENDING)


def test_given_build_metadata_when_compared_then_it_is_ignored() -> None:
    assert_equal("semver", ["1.0.0", "1.0.0+20130313144700", "1.0.0+exp.sha.5114f85"])
    assert_equal("semver", ["1.0.0-beta+a", "1.0.0-beta+b.2"])


@pytest.mark.parametrize(
    ("text", "prerelease", "release"),
    [
        ("1.2.3", False, (1, 2, 3)),
        ("1.2.3+build.1", False, (1, 2, 3)),
        ("1.2.3-rc.1", True, (1, 2, 3)),
        ("0.0.0-0", True, (0, 0, 0)),
        ("10.20.30-alpha+meta", True, (10, 20, 30)),
    ],
)
def test_given_a_version_when_parsed_then_prerelease_and_release_are_reported(
    text: str, prerelease: bool, release: tuple[int, ...]
) -> None:
    parsed = parse_version("semver", text)
    assert parsed.prerelease is prerelease
    assert parsed.release == release


@pytest.mark.parametrize(
    "text",
    [
        "not-a-version",
        "",
        "1",
        "1.2",
        "1.2.3.4",
        "1.2.3-alpha..1",
        "1.2.3+",
        "1.2.3-alpha_1",
        "1.2.3 4",
        "9007199254740992.0.0",  # above 2**53 - 1, refused like node-semver
        "1.2.3-\u0661",  # Arabic-Indic digit: only ASCII digits are digits
        "1." * 200 + "1",
    ],
)
def test_given_invalid_text_when_parsed_then_invalid_version(text: str) -> None:
    with pytest.raises(InvalidVersion):
        parse_version("semver", text)


@pytest.mark.parametrize(
    ("loose", "normal"),
    [
        ("v1.2.3", "1.2.3"),
        ("=1.2.3", "1.2.3"),
        (" v 1.2.3\n", "1.2.3"),
        ("01.2.3", "1.2.3"),
        ("1.02.3", "1.2.3"),
        ("1.2.3-01", "1.2.3-1"),
        ("1.2.3beta", "1.2.3-beta"),
        ("v1.2.3-rc.1+build", "1.2.3-rc.1"),
        ("1.2.3-", "1.2.3--"),  # loose: the hyphen is the prerelease identifier "-"
    ],
)
def test_given_a_loose_spelling_when_parsed_then_it_orders_as_npm_cleans_it(loose: str, normal: str) -> None:
    # node-semver loose mode (and npm, which stores semver.clean's output) reads these as normal.
    assert parse_version("semver", loose) == parse_version("semver", normal)


_NUMBER = st.integers(min_value=0, max_value=30)
_IDENTIFIER = st.one_of(
    st.integers(min_value=0, max_value=30).map(str),
    st.from_regex(r"[0-9]{0,2}[a-zA-Z-][0-9a-zA-Z-]{0,3}", fullmatch=True),
)
_SEMVER = st.builds(
    lambda major, minor, patch, pre, build: (
        f"{major}.{minor}.{patch}" + (f"-{'.'.join(pre)}" if pre else "") + (f"+{build}" if build else "")
    ),
    _NUMBER,
    _NUMBER,
    _NUMBER,
    st.lists(_IDENTIFIER, max_size=3),
    st.sampled_from(["", "b1", "sha.5114f85"]),
)


def _spec_compare(left: str, right: str) -> int:
    """semver.org item 11 written out literally, as an independent oracle for the key."""
    left_core, _, left_pre = left.split("+", maxsplit=1)[0].partition("-")
    right_core, _, right_pre = right.split("+", maxsplit=1)[0].partition("-")
    left_nums = [int(x) for x in left_core.split(".")]
    right_nums = [int(x) for x in right_core.split(".")]
    if left_nums != right_nums:
        return -1 if left_nums < right_nums else 1
    if not left_pre or not right_pre:
        return (not left_pre) - (not right_pre)
    for a, b in zip(left_pre.split("."), right_pre.split("."), strict=False):
        if a == b:
            continue
        if a.isdigit() and b.isdigit():
            return -1 if int(a) < int(b) else 1
        if a.isdigit() or b.isdigit():
            return -1 if a.isdigit() else 1
        return -1 if a < b else 1
    return sign(len(left_pre.split(".")) - len(right_pre.split(".")))


@given(_SEMVER, _SEMVER)
def test_given_random_versions_when_compared_then_key_agrees_with_the_spec(left: str, right: str) -> None:
    assert key_cmp(key("semver", left), key("semver", right)) == _spec_compare(left, right)
