"""PEP 440 ordering (pypi), checked against known answers and against ``packaging``."""

from __future__ import annotations

import pytest
from ca_lifecycle.versions import InvalidVersion, parse_version
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import InvalidVersion as InvalidPackagingVersion
from packaging.version import Version
from version_asserts import assert_equal, assert_strictly_ascending, key, key_cmp

# The PEP's own "Summary of permitted suffixes and relative ordering", plus epochs and locals.
ASCENDING = [
    "0.9",
    "1.0.dev1",
    "1.0.dev2",
    "1.0a1.dev1",
    "1.0a1",
    "1.0a1.post1.dev1",
    "1.0a1.post1",
    "1.0a2",
    "1.0b1.dev1",
    "1.0b1",
    "1.0b2.post345.dev456",
    "1.0b2.post345",
    "1.0rc1.dev456",
    "1.0rc1",
    "1.0",
    "1.0+abc.5",
    "1.0+abc.7",
    "1.0+5",
    "1.0.post456.dev34",
    "1.0.post456",
    "1.0.1",
    "1.1.dev1",
    "1.9",
    "1.10",
    "2.0",
    "1!0.1",  # any epoch 1 version outranks every epoch 0 version
    "1!1.0",
]


def test_given_the_pep_sequence_when_sorted_then_strictly_ascending() -> None:
    assert_strictly_ascending("pep440", ASCENDING)


@pytest.mark.parametrize(
    "spellings",
    [
        ["1.0", "1.0.0", "1", "v1.0", "0!1.0", " 1.0 "],
        ["1.0a1", "1.0alpha1", "1.0-a1", "1.0.a.1", "1.0A1", "1.0a01"],
        ["1.0rc1", "1.0c1", "1.0pre1", "1.0preview1", "1.0-RC-1"],
        ["1.0b0", "1.0b", "1.0beta"],
        ["1.0.post1", "1.0-1", "1.0post1", "1.0.rev1", "1.0-r1", "1.0_post_1"],
        ["1.0.post0", "1.0.post", "1.0-post"],
        ["1.0.dev0", "1.0.dev", "1.0-dev"],
        ["1.0+ubuntu.1", "1.0+UBUNTU-1", "1.0+ubuntu_1", "1.0+ubuntu.01"],
    ],
)
def test_given_equivalent_spellings_when_compared_then_equal(spellings: list[str]) -> None:
    assert_equal("pep440", spellings)


@pytest.mark.parametrize(
    ("text", "prerelease", "release"),
    [
        ("1.0", False, (1, 0, 0)),
        ("1.0.post1", False, (1, 0, 0)),
        ("1.0+local", False, (1, 0, 0)),
        ("1.0a1", True, (1, 0, 0)),
        ("1.0.dev1", True, (1, 0, 0)),
        ("1.0.post1.dev1", True, (1, 0, 0)),  # a dev release of a post release is a prerelease
        ("2!3.4.5.6", False, (3, 4, 5, 6)),
        ("7", False, (7, 0, 0)),
    ],
)
def test_given_a_version_when_parsed_then_prerelease_and_release_are_reported(
    text: str, prerelease: bool, release: tuple[int, ...]
) -> None:
    parsed = parse_version("pep440", text)
    assert parsed.prerelease is prerelease
    assert parsed.release == release


@pytest.mark.parametrize(
    "text",
    ["1..2", "", "not-a-version", "1.0+", "1.0+a..b", "1.0-", "1.0.x", "1.0a1b1", "v", "1!", "1.0 .1", "ⅷ"],
)
def test_given_invalid_text_when_parsed_then_invalid_version(text: str) -> None:
    with pytest.raises(InvalidVersion):
        parse_version("pep440", text)


def test_given_the_kelvin_sign_when_parsed_then_invalid() -> None:
    # Under Unicode IGNORECASE "K" (U+212A) matches [a-z]; a local label must be ASCII.
    with pytest.raises(InvalidVersion):
        parse_version("pep440", "1.0+\u212a")


_SEP = st.sampled_from(["", ".", "-", "_"])
_NUM = st.integers(min_value=0, max_value=12).map(str) | st.just("007")
_PRE = st.builds(
    lambda sep1, label, sep2, num: f"{sep1}{label}{sep2}{num}" if num else f"{sep1}{label}",
    _SEP,
    st.sampled_from(["a", "alpha", "b", "beta", "c", "rc", "pre", "preview", "RC", "Alpha"]),
    _SEP,
    _NUM | st.just(""),
)
_POST = st.one_of(
    st.builds(lambda num: f"-{num}", _NUM),
    st.builds(
        lambda sep, label, num: f"{sep}{label}{num}",
        _SEP,
        st.sampled_from(["post", "rev", "r", "POST"]),
        _NUM | st.just(""),
    ),
)
_DEV = st.builds(lambda sep, num: f"{sep}dev{num}", _SEP, _NUM | st.just(""))
_LOCAL = st.lists(st.from_regex(r"[a-z0-9]{1,4}", fullmatch=True) | _NUM, min_size=1, max_size=3).map(
    lambda parts: "+" + ".".join(parts)
)
_PEP440 = st.builds(
    lambda epoch, release, pre, post, dev, local: f"{epoch}{release}{pre}{post}{dev}{local}",
    st.sampled_from(["", "", "", "1!", "2!"]),
    st.lists(_NUM, min_size=1, max_size=4).map(".".join),
    _PRE | st.just(""),
    _POST | st.just(""),
    _DEV | st.just(""),
    _LOCAL | st.just(""),
)


@settings(max_examples=400)
@given(_PEP440, _PEP440)
def test_given_random_versions_when_compared_then_order_agrees_with_packaging(left: str, right: str) -> None:
    # Given two versions packaging accepts (the strategy only builds valid ones)
    ours_left, ours_right = parse_version("pep440", left), parse_version("pep440", right)
    theirs_left, theirs_right = Version(left), Version(right)
    # Then the order, the prerelease flag and the release numbers all agree with packaging
    assert key_cmp(ours_left.key, ours_right.key) == (theirs_left > theirs_right) - (
        theirs_left < theirs_right
    )
    assert ours_left.prerelease is theirs_left.is_prerelease
    assert ours_left.release[: len(theirs_left.release)] == theirs_left.release
    assert key("pep440", str(theirs_left)) == ours_left.key  # normalizing never changes the key


# Fragments of valid and invalid spellings, glued at random: most results are invalid, so this
# checks the accept/refuse boundary against packaging, not only the order of valid versions.
_FRAGMENT = st.sampled_from(
    [
        "1", "0", "12", "007", ".", "-", "_", "!", "+", "v", "V", " ", "\t", "\u2029", "\u202f",
        "a", "alpha", "b", "beta", "c", "rc", "pre", "preview", "post", "rev", "r", "dev",
        "local", "ab", "x", "\u0130", "\u212a", "\u0661", "..", "++",
    ]
)  # fmt: skip


@settings(max_examples=600)
@given(st.lists(_FRAGMENT, min_size=1, max_size=8).map("".join))
def test_given_arbitrary_text_when_parsed_then_accepted_exactly_when_packaging_accepts_it(text: str) -> None:
    try:
        theirs: Version | None = Version(text)
    except InvalidPackagingVersion:
        theirs = None
    try:
        ours = parse_version("pep440", text)
    except InvalidVersion:
        assert theirs is None, f"packaging accepts {text!r}"
        return
    assert theirs is not None, f"packaging refuses {text!r}"
    assert ours.key == parse_version("pep440", str(theirs)).key
    assert ours.prerelease is theirs.is_prerelease
