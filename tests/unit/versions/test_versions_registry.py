"""The versions package entry points: scheme selection, dispatch, totality and the parse cache."""

from __future__ import annotations

import gc
from enum import StrEnum
from itertools import combinations, pairwise

import ca_lifecycle.versions as registry
import pytest
from ca_lifecycle.versions import (
    SCHEMES,
    CacheInfo,
    InvalidVersion,
    ParsedVersion,
    maven,
    nuget,
    parse_version,
    pep440,
    ruby,
    scheme_for,
    semver,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from version_asserts import assert_equal, assert_strictly_ascending


@pytest.mark.parametrize(
    ("package_format", "ordering", "expected"),
    [
        ("npm", "auto", "semver"),
        ("cargo", "auto", "semver"),
        ("swift", "auto", "semver"),
        ("pypi", "auto", "pep440"),
        ("maven", "auto", "maven"),
        ("nuget", "auto", "nuget"),
        ("ruby", "auto", "ruby"),
        ("NPM", "auto", "semver"),
        ("generic", "auto", None),
        ("conda", "auto", None),  # a format CodeArtifact adds later orders by publish time
        ("npm", "published", None),
        ("pypi", "semver", "semver"),  # an explicit scheme overrides the format
        ("generic", "maven", "maven"),
        ("npm", "pep440", "pep440"),
        ("nuget", "nuget", "nuget"),
        ("generic", "ruby", "ruby"),
    ],
)
def test_given_a_format_and_ordering_when_choosing_then_the_scheme_is_known(
    package_format: str, ordering: str, expected: str | None
) -> None:
    assert scheme_for(package_format, ordering) == expected


class _PolicyOrdering(StrEnum):
    AUTO = "auto"
    MAVEN = "maven"
    PUBLISHED = "published"


def test_given_a_str_enum_ordering_when_choosing_then_a_plain_scheme_name_comes_back() -> None:
    # The policy model passes its Ordering StrEnum; the result must be the plain scheme string.
    chosen = scheme_for("npm", _PolicyOrdering.MAVEN)
    assert chosen == "maven"
    assert type(chosen) is str
    assert scheme_for("pypi", _PolicyOrdering.AUTO) == "pep440"
    assert scheme_for("pypi", _PolicyOrdering.PUBLISHED) is None


@pytest.mark.parametrize("ordering", ["", "Auto", "lexical", "semver2"])
def test_given_an_unknown_ordering_when_choosing_then_value_error(ordering: str) -> None:
    with pytest.raises(ValueError, match="unknown version ordering"):
        scheme_for("npm", ordering)


def test_given_an_unknown_scheme_when_parsing_then_value_error_not_invalid_version() -> None:
    # A bad scheme is a programming error and must not be swallowed as "unparseable version".
    with pytest.raises(ValueError, match="unknown version scheme") as raised:
        parse_version("calver", "2024.01")
    assert not isinstance(raised.value, InvalidVersion)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_given_each_scheme_when_parsing_then_invalid_version_is_a_value_error(scheme: str) -> None:
    assert parse_version(scheme, "1.2.3").release[:3] == (1, 2, 3)
    with pytest.raises(ValueError, match="version") as raised:
        parse_version(scheme, "1.2.3\x00")
    assert isinstance(raised.value, InvalidVersion)
    with pytest.raises(InvalidVersion):
        parse_version(scheme, "1.2.3 " + "9" * 300)


def test_given_the_same_version_twice_when_parsing_then_the_cached_result_is_returned() -> None:
    assert parse_version("semver", "3.1.4") is parse_version("semver", "3.1.4")


@pytest.mark.parametrize(
    ("scheme", "versions", "majors", "minors"),
    [
        ("semver", ["1.2.3", "1.3.0-rc.1", "2.0.0"], [(1,), (1,), (2,)], [(1, 2), (1, 3), (2, 0)]),
        ("pep440", ["1", "1.2.post1", "1!2.1"], [(1,), (1,), (2,)], [(1, 0), (1, 2), (2, 1)]),
        ("maven", ["1", "1.2-SNAPSHOT", "2.1.RELEASE"], [(1,), (1,), (2,)], [(1, 0), (1, 2), (2, 1)]),
        ("nuget", ["1", "1.2.0.7", "2.1-beta"], [(1,), (1,), (2,)], [(1, 0), (1, 2), (2, 1)]),
        ("ruby", ["1", "1.2.a", "2.1-1"], [(1,), (1,), (2,)], [(1, 0), (1, 2), (2, 1)]),
    ],
)
def test_given_versions_when_grouping_per_major_and_minor_then_release_prefixes_are_full(
    scheme: str, versions: list[str], majors: list[tuple[int, ...]], minors: list[tuple[int, ...]]
) -> None:
    releases = [parse_version(scheme, text).release for text in versions]
    assert [release[:1] for release in releases] == majors
    assert [release[:2] for release in releases] == minors


# One generator per scheme, deliberately mixing numbers and letters at the same positions,
# which is where a naive key would compare an int with a str and raise TypeError.
_N = st.sampled_from(["0", "1", "2", "10"])
_WORD = st.sampled_from(["a", "alpha", "b", "rc", "sp", "x", "SNAPSHOT", "pre", "Beta"])
_ATOM = _N | _WORD
_VERSIONS = {
    "semver": st.builds(
        lambda a, b, c, pre: f"{a}.{b}.{c}" + (f"-{'.'.join(pre)}" if pre else ""),
        _N,
        _N,
        _N,
        st.lists(_ATOM, max_size=3),
    ),
    "pep440": st.builds(
        lambda rel, suffix, local: rel + suffix + local,
        st.lists(_N, min_size=1, max_size=3).map(".".join),
        st.sampled_from(["", "a1", "b2", "rc1", ".post1", ".dev3", "a1.post2.dev1"]),
        st.sampled_from(["", "+1", "+abc", "+abc.2", "+2.abc"]),
    ),
    "maven": st.builds(
        lambda first, rest: first + "".join(s + t for s, t in rest),
        _N,
        st.lists(st.tuples(st.sampled_from([".", "-", ""]), _ATOM), max_size=4),
    ),
    "nuget": st.builds(
        lambda rel, pre: rel + (f"-{'.'.join(pre)}" if pre else ""),
        st.lists(_N, min_size=1, max_size=4).map(".".join),
        st.lists(_ATOM, max_size=3),
    ),
    "ruby": st.builds(
        lambda first, rest, dash: first + "".join("." + part for part in rest) + dash,
        _N,
        st.lists(_ATOM, max_size=4),
        st.sampled_from(["", "-1", "-rc.1"]),
    ),
}


@st.composite
def _scheme_and_versions(draw: st.DrawFn) -> tuple[str, list[str]]:
    scheme = draw(st.sampled_from(SCHEMES))
    return scheme, draw(st.lists(_VERSIONS[scheme], min_size=3, max_size=8))


@settings(max_examples=300)
@given(_scheme_and_versions())
def test_given_random_versions_of_one_scheme_when_compared_then_the_order_is_total(
    case: tuple[str, list[str]],
) -> None:
    scheme, versions = case
    keys = [parse_version(scheme, text).key for text in versions]
    # Sorting compares arbitrary pairs: it must never raise TypeError.
    ordered = sorted(keys)
    assert all(a <= b for a, b in pairwise(ordered))
    for a, b in combinations(keys, 2):
        # Exactly one of <, ==, > holds (trichotomy, hence antisymmetry).
        assert [a < b, a == b, a > b].count(True) == 1
    for a, b, c in combinations(keys, 3):
        if a <= b and b <= c:
            assert a <= c
        if a >= b and b >= c:
            assert a >= c


_PARSER_OF = {
    "semver": semver.parse,
    "pep440": pep440.parse,
    "maven": maven.parse,
    "nuget": nuget.parse,
    "ruby": ruby.parse,
}
_SAMPLES = {
    semver.parse: "{a}.{b}.{c}-rc.{d}",
    pep440.parse: "{a}.{b}.{c}rc{d}",
    maven.parse: "{a}.{b}.{c}-RC{d}",
    nuget.parse: "{a}.{b}.{c}-rc.{d}",
    ruby.parse: "{a}.{b}.{c}.rc{d}",
}


@pytest.mark.parametrize("scheme", SCHEMES)
def test_given_ten_thousand_distinct_versions_when_looked_up_twice_then_each_is_parsed_once(
    scheme: str,
) -> None:
    # Work is counted, not timed: the scheme parser runs once per distinct version, and the
    # second pass (a re-evaluation) is served from the cache entirely.
    template = _SAMPLES[_PARSER_OF[scheme]]
    texts = [template.format(a=i % 7, b=i % 13, c=i, d=i % 5) for i in range(10_000)]
    parse_version.cache_clear()
    calls = 0
    real = registry._PARSERS[scheme]

    def counting(text: str) -> ParsedVersion:
        nonlocal calls
        calls += 1
        return real(text)

    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(registry._PARSERS, scheme, counting)
        first = [parse_version(scheme, text) for text in texts]
        second = [parse_version(scheme, text) for text in texts]
    assert calls == 10_000
    assert all(a is b for a, b in zip(first, second, strict=True))
    assert parse_version.cache_info() == CacheInfo(
        hits=10_000, misses=10_000, maxsize=131_072, currsize=10_000
    )


def test_given_more_versions_than_the_cache_holds_when_scanned_cyclically_then_it_still_hits() -> None:
    # The sweep pattern that made the old LRU cache miss every time: the same long list, in
    # the same order, again and again. A full cache keeps what it has instead of thrashing.
    cache = registry._ParseCache(maxsize=100)
    texts = [f"1.0.{i}" for i in range(150)]
    for _ in range(4):
        for text in texts:
            cache("semver", text)
    info = cache.cache_info()
    assert info.currsize == 100
    assert info.hits == 3 * 100  # passes 2-4 hit every cached version
    assert info.misses == 150 + 3 * 50


def test_given_an_invalid_version_when_looked_up_then_it_is_not_cached() -> None:
    parse_version.cache_clear()
    for _ in range(2):
        with pytest.raises(InvalidVersion):
            parse_version("semver", "not-a-version")
    assert parse_version.cache_info().currsize == 0
    assert parse_version.cache_info().misses == 2


@pytest.mark.parametrize(
    ("scheme", "text"), [(s, _SAMPLES[_PARSER_OF[s]].format(a=1, b=2, c=3, d=4)) for s in SCHEMES]
)
def test_given_a_version_when_parsed_then_its_key_is_one_flat_tuple(scheme: str, text: str) -> None:
    # One tuple per key (no nested tuples) keeps the objects per cached version, and so the
    # cyclic GC's work at 100k versions, small.
    parsed = registry._PARSERS[scheme](text)
    assert all(isinstance(item, int | str) for item in parsed.key)
    assert all(isinstance(item, int) for item in parsed.release)
    # Containers reachable from one parse: the ParsedVersion, its key, its release tuple.
    seen: dict[int, object] = {}
    pending: list[object] = [parsed]
    while pending:
        obj = pending.pop()
        if id(obj) in seen or isinstance(obj, int | str | type):
            continue
        seen[id(obj)] = obj
        pending.extend(gc.get_referents(obj))
    assert len(seen) == 3


# Each row checked against the real tool: npm's semver (node), packaging.version, maven-artifact
# (ComparableVersion on apache/maven master; 3.9.6 agrees except where noted), NuGet's documented
# precedence, Gem::Version#<=>.
SPOT_CHECKS_ASCENDING = [
    ("semver", ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.1.0", "1.0.0-alpha.0a", "1.0.0-alpha.beta"]),
    ("semver", ["1.0.0-2", "1.0.0-11", "1.0.0-1a", "1.0.0-Alpha", "1.0.0-alpha"]),
    ("semver", ["1.0.0-x-y-z.--", "1.0.0", "1.0.1", "1.9.0", "1.10.0", "2.0.0-rc.1"]),
    ("pep440", ["1.0.dev1", "1.0a1", "1.0a1+x", "1.0rc1.post1", "1.0", "1.0+abc", "1.0+local"]),
    ("pep440", ["1.0+local.2", "1.0+local.10", "1.0+0", "1.0.post1.dev1", "1.0.post1", "1!0.1"]),
    ("maven", ["1.0-alpha-1", "1.0-beta", "1.0-m1", "1.0-rc1", "1.0-SNAPSHOT", "1.0.0.RELEASE"]),
    (
        "maven",
        ["1.0-sp1", "1.0-abc", "1-1", "1.0.1", "1.1", "1.2.3-beta.1", "1.2.3-beta-2"],
    ),  # 3.9.6: beta-2 first
    ("nuget", ["1.0.0-beta", "1.0.0", "1.0.0.1-beta", "1.0.0.1", "1.0.1-rc.1", "1.0.1"]),
    ("ruby", ["1.0.a", "1.0.0.pre", "1.0.0.pre1", "1.0.0.rc1", "1.0.0", "1.0.0.1"]),
]
SPOT_CHECKS_EQUAL = [
    ("maven", ["1.0.0.RELEASE", "1.0.0", "1.0-final", "1", "1.0-ga"]),
    ("maven", ["1.0-rc1", "1.0.RC1", "1.0-cr1"]),
    ("pep440", ["1.0", "1.0.0", "v1.0"]),
    ("nuget", ["1.0.0.0", "1.0.0", "1.0"]),
    ("ruby", ["1.0.a", "1.a"]),
    ("semver", ["1.0.0", "1.0.0+build"]),
]


@pytest.mark.parametrize(("scheme", "versions"), SPOT_CHECKS_ASCENDING)
def test_spot_checks_against_the_real_tools_ascend(scheme: str, versions: list[str]) -> None:
    # Given versions in the order the format's own tool sorts them / When keyed / Then same order
    assert_strictly_ascending(scheme, versions)


@pytest.mark.parametrize(("scheme", "versions"), SPOT_CHECKS_EQUAL)
def test_spot_checks_against_the_real_tools_equal(scheme: str, versions: list[str]) -> None:
    assert_equal(scheme, versions)


@pytest.mark.parametrize(
    ("scheme", "version", "prerelease"),
    [
        ("pep440", "1.0+local", False),
        ("pep440", "1.0a1+x", True),
        ("pep440", "1.0.post1.dev1", True),
        ("maven", "1.0.0.RELEASE", False),
        ("maven", "1.0-SNAPSHOT", True),
        ("nuget", "1.0.0.1-beta", True),
        ("ruby", "1.0.0.pre1", True),
        ("semver", "1.0.0+build", False),
    ],
)
def test_spot_checks_prerelease_flags(scheme: str, version: str, prerelease: bool) -> None:
    assert parse_version(scheme, version).prerelease is prerelease
