"""Invariants over random packages and random policies (hypothesis)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from ca_lifecycle.engine import Evaluation, evaluate
from ca_lifecycle.facts import LIVE_STATUSES, Action, OriginType, Status, VersionFact
from ca_lifecycle.policy import (
    DisposeRule,
    Guardrails,
    PackagePolicy,
    ProtectRule,
    compile_version_selector,
    parse_duration,
)
from engine_builders import NOW, package
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_n = st.integers(min_value=0, max_value=12)
_pre = st.sampled_from(["alpha", "beta.1", "rc.2", "0", "rc.10"])

# Version strings shaped for each format's scheme; `junk` is what no scheme parses.
SEMVER = st.builds(
    lambda a, b, c, pre, build: f"{a}.{b}.{c}" + (f"-{pre}" if pre else "") + (f"+{build}" if build else ""),
    _n,
    _n,
    _n,
    st.none() | _pre,
    st.none() | st.sampled_from(["b1", "sha.5"]),
)
PEP440 = st.builds(
    lambda a, b, suffix: f"{a}.{b}{suffix}",
    _n,
    _n,
    st.sampled_from(["", "a1", "b2", "rc1", ".dev3", ".post1"]),
)
MAVEN = st.builds(
    lambda a, b, suffix: f"{a}.{b}{suffix}",
    _n,
    _n,
    st.sampled_from(["", "-alpha-1", "-SNAPSHOT", "-sp1", "-RC2", ".Final", "-beta"]),
)
NUGET = st.builds(
    lambda a, b, c, d, pre: f"{a}.{b}.{c}" + (f".{d}" if d else "") + (f"-{pre}" if pre else ""),
    _n,
    _n,
    _n,
    st.none() | _n,
    st.none() | st.sampled_from(["beta", "rc.1", "alpha2"]),
)
RUBY = st.builds(
    lambda a, b, suffix: f"{a}.{b}{suffix}", _n, _n, st.sampled_from(["", ".1", ".pre", ".rc1", ".a"])
)
JUNK = st.text(alphabet="xyz!_-.", min_size=1, max_size=5)

FORMATS: dict[str, st.SearchStrategy[str]] = {
    "npm": SEMVER,
    "cargo": SEMVER,
    "pypi": PEP440,
    "maven": MAVEN,
    "nuget": NUGET,
    "ruby": RUBY,
    "generic": JUNK,
}
_sometimes = st.sampled_from([True, False, False])
DURATIONS = ["1d", "7d", "30d", "90d", "365d"]
SELECTORS = ["1.*", "re:^2", "*rc*", "re:SNAPSHOT", "0.*"]


class Pkg(NamedTuple):
    fmt: str
    versions: list[VersionFact]  # some publish times hidden (None)
    archived_at: dict[str, datetime]
    truth: dict[str, datetime]  # every publish time, monotone in publish order


@st.composite
def packages(draw: st.DrawFn) -> Pkg:
    fmt = draw(st.sampled_from(sorted(FORMATS)))
    # Mostly well-formed strings, some junk: unparseable versions must rank, not crash.
    size = draw(st.integers(1, 25))  # uniform: list strategies alone favour tiny packages
    strings = draw(
        st.lists(
            st.one_of(FORMATS[fmt], FORMATS[fmt], FORMATS[fmt], JUNK),
            min_size=size,
            max_size=size,
            unique=True,
        )
    )
    count = len(strings)
    orders = draw(st.permutations(range(count)))
    # Publish times must not increase with publish order (order 0 = newest).
    ages = sorted(draw(st.lists(st.integers(0, 500 * 24), min_size=count, max_size=count)))
    statuses = st.sampled_from(
        [Status.PUBLISHED] * 8
        + [
            Status.UNLISTED,
            Status.ARCHIVED,
            Status.ARCHIVED,
            Status.UNFINISHED,
            Status.DISPOSED,
            Status.DELETED,
        ]
    )
    versions: list[VersionFact] = []
    archived_at: dict[str, datetime] = {}
    truth: dict[str, datetime] = {}
    for version, order in zip(strings, orders, strict=True):
        status = draw(statuses)
        known = draw(st.booleans())
        truth[version] = NOW - timedelta(hours=ages[order])
        versions.append(
            VersionFact(
                version=version,
                status=status,
                revision=f"r{order}",
                origin_type=draw(st.sampled_from(list(OriginType))),
                publish_order=order,
                published=truth[version] if known else None,
            )
        )
        if status is Status.ARCHIVED and draw(st.booleans()):
            archived_at[version] = NOW - timedelta(days=draw(st.integers(0, 120)))
    return Pkg(fmt, versions, archived_at, truth)


@st.composite
def protect_rules(draw: st.DrawFn) -> dict[str, Any]:
    rule: dict[str, Any] = {}
    if draw(st.booleans()):
        rule["newest"] = draw(st.integers(1, 5))
        if draw(st.booleans()):
            rule["per"] = draw(st.sampled_from(["major", "minor"]))
    if draw(st.booleans()):
        rule["prerelease"] = draw(st.booleans())
    if draw(st.booleans()):
        rule["published_within"] = draw(st.sampled_from(DURATIONS))
    if draw(st.booleans()):
        rule["versions"] = draw(st.lists(st.sampled_from(SELECTORS), min_size=1, max_size=2))
    if not {"newest", "published_within", "versions"} & set(rule):
        rule["newest"] = draw(st.integers(1, 5))
    return rule


@st.composite
def archive_conditions(draw: st.DrawFn) -> dict[str, Any]:
    condition: dict[str, Any] = {}
    if draw(_sometimes):
        condition["beyond_newest"] = draw(st.integers(0, 8))
    if draw(_sometimes):
        condition["published_before"] = draw(st.sampled_from(DURATIONS))
    if draw(_sometimes):
        condition["prerelease"] = draw(st.booleans())
    if draw(_sometimes):
        condition["versions"] = draw(st.lists(st.sampled_from(SELECTORS), min_size=1, max_size=2))
    if not condition:
        condition["beyond_newest"] = draw(st.integers(0, 8))
    return condition


@st.composite
def policies(draw: st.DrawFn) -> PackagePolicy:
    data: dict[str, Any] = {
        "id": "random",
        "scope": {"domain": "acme"},
        "ordering": draw(st.sampled_from(["auto", "auto", "published", "semver", "pep440"])),
        "protect": draw(st.lists(protect_rules(), max_size=2)),
        "archive": draw(st.lists(archive_conditions(), min_size=1, max_size=3)),
        "origin_lock": draw(st.sampled_from(["auto", "off", {"publish": "BLOCK", "upstream": "ALLOW"}])),
    }
    if draw(st.booleans()):
        data["dispose"] = {"archived_for": draw(st.sampled_from(["1d", "30d", "60d"]))}
    return PackagePolicy.model_validate(data)


GUARDRAILS = st.builds(
    Guardrails,
    keep_at_least=st.integers(0, 4),
    max_archive_fraction=st.sampled_from([0.1, 0.5, 1.0, 1.0]),
)


def _evaluate(
    fmt: str,
    versions: list[VersionFact],
    pol: PackagePolicy,
    rails: Guardrails,
    archived_at: dict[str, datetime],
    archived_by_us: frozenset[str] = frozenset(),
) -> Evaluation:
    return evaluate(
        package(fmt), versions, pol, rails, NOW, archived_at=archived_at, archived_by_us=archived_by_us
    )


def _protected_by_simple_rules(pol: PackagePolicy, fact: VersionFact) -> bool:
    """Oracle for protect rules made only of `versions` and `published_within` (facts known)."""
    for rule in pol.protect:
        if rule.newest is not None or rule.prerelease is not None:
            continue
        if rule.versions is not None and not any(
            compile_version_selector(s)(fact.version) for s in rule.versions
        ):
            continue
        if rule.published_within is not None and (
            fact.published is None or fact.published < NOW - rule.published_within
        ):
            continue
        return True
    return False


@SETTINGS
@given(packages(), policies(), GUARDRAILS)
def test_protected_versions_are_never_archived(pkg: Pkg, pol: PackagePolicy, rails: Guardrails) -> None:
    fmt, versions, archived_at, _ = pkg
    ev = _evaluate(fmt, versions, pol, rails, archived_at)
    archived = {d.version for d in ev.actions(Action.ARCHIVE)}
    # Protection as the same engine sees it with no archive rules at all...
    protect_only = _evaluate(fmt, versions, pol.model_copy(update={"archive": []}), rails, archived_at)
    protected = {d.version for d in protect_only.decisions if (d.rule or "").startswith("protect[")}
    assert not archived & protected
    # ...and by an independent oracle for the simple rule shapes.
    assert not any(_protected_by_simple_rules(pol, f) for f in versions if f.version in archived)
    for decision in ev.actions(Action.ARCHIVE):
        assert (decision.rule or "").startswith("archive[")


@SETTINGS
@given(packages(), policies(), GUARDRAILS)
def test_only_archived_versions_are_disposed_and_only_live_ones_archived(
    pkg: Pkg, pol: PackagePolicy, rails: Guardrails
) -> None:
    fmt, versions, archived_at, _ = pkg
    ev = _evaluate(fmt, versions, pol, rails, archived_at)
    assert all(d.status is Status.ARCHIVED for d in ev.actions(Action.DISPOSE))
    assert all(d.status in LIVE_STATUSES for d in ev.actions(Action.ARCHIVE))
    for d in ev.actions(Action.DISPOSE):
        assert pol.dispose is not None
        assert NOW - archived_at[d.version] >= pol.dispose.archived_for
    assert set(ev.record_archived) <= {f.version for f in versions if f.status is Status.ARCHIVED} - set(
        archived_at
    )


@SETTINGS
@given(packages(), policies(), GUARDRAILS)
def test_live_count_never_drops_below_keep_at_least(pkg: Pkg, pol: PackagePolicy, rails: Guardrails) -> None:
    fmt, versions, archived_at, _ = pkg
    ev = _evaluate(fmt, versions, pol, rails, archived_at)
    live_before = sum(1 for f in versions if f.status in LIVE_STATUSES)
    archives = len(ev.actions(Action.ARCHIVE))
    if live_before >= rails.keep_at_least:
        assert live_before - archives >= rails.keep_at_least
    else:
        assert archives == 0
    assert archives <= int(rails.max_archive_fraction * live_before + 1e-9)


@SETTINGS
@given(packages(), policies(), GUARDRAILS)
def test_applying_the_plan_then_reevaluating_archives_nothing_new(
    pkg: Pkg, pol: PackagePolicy, rails: Guardrails
) -> None:
    fmt, versions, archived_at, _ = pkg
    ev = _evaluate(fmt, versions, pol, rails, archived_at)
    to_archive = {d.version for d in ev.actions(Action.ARCHIVE)}
    applied = [
        dataclasses.replace(f, status=Status.ARCHIVED) if f.version in to_archive else f for f in versions
    ]
    # Our own archives count against max_archive_fraction for archive_window: the re-evaluation
    # that our status-change events trigger must not archive past the cap (no cascade).
    after = _evaluate(
        fmt, applied, pol, rails, {**archived_at, **dict.fromkeys(to_archive, NOW)}, frozenset(to_archive)
    )
    assert after.actions(Action.ARCHIVE) == []
    # Versions archived by the plan are never "first seen" again: the ledger has their time.
    assert not set(after.record_archived) & to_archive


@SETTINGS
@given(packages(), policies(), GUARDRAILS)
def test_evaluation_is_a_pure_function_of_its_inputs(pkg: Pkg, pol: PackagePolicy, rails: Guardrails) -> None:
    fmt, versions, archived_at, _ = pkg
    first = _evaluate(fmt, versions, pol, rails, archived_at)
    again = _evaluate(fmt, list(versions), pol, rails, dict(archived_at))
    reordered = _evaluate(fmt, list(reversed(versions)), pol, rails, dict(reversed(archived_at.items())))
    assert first == again
    assert first == reordered  # the caller's list order is not an input


@SETTINGS
@given(packages(), policies(), GUARDRAILS)
def test_decisions_cover_every_input_version_exactly_once(
    pkg: Pkg, pol: PackagePolicy, rails: Guardrails
) -> None:
    fmt, versions, archived_at, _ = pkg
    ev = _evaluate(fmt, versions, pol, rails, archived_at)
    assert Counter(d.version for d in ev.decisions) == Counter(f.version for f in versions)
    by_version = {f.version: f for f in versions}
    assert all(d.status is by_version[d.version].status for d in ev.decisions)
    assert all(d.revision == by_version[d.version].revision for d in ev.decisions)
    # Live first, then the rest.
    live_flags = [d.status in LIVE_STATUSES for d in ev.decisions]
    assert live_flags == sorted(live_flags, reverse=True)


@SETTINGS
@given(packages(), policies(), GUARDRAILS)
def test_missing_facts_are_reported_and_the_describe_loop_converges(
    pkg: Pkg, pol: PackagePolicy, rails: Guardrails
) -> None:
    fmt, versions, archived_at, truth = pkg
    known = {f.version: f.published for f in versions if f.published is not None}
    rounds = 0
    while True:
        current = [dataclasses.replace(f, published=known.get(f.version)) for f in versions]
        ev = _evaluate(fmt, current, pol, rails, archived_at)
        missing = [d for d in ev.decisions if d.rule == "missing-fact"]
        assert (ev.needs is None) == (not missing)
        assert all(d.action is Action.SKIP for d in missing)
        if ev.needs is None:
            break
        assert not set(ev.needs.versions) & set(known)
        known.update({v: truth[v] for v in ev.needs.versions})
        rounds += 1
        assert rounds <= 30
    complete = _evaluate(
        fmt, [dataclasses.replace(f, published=truth[f.version]) for f in versions], pol, rails, archived_at
    )
    # Same actions; a reason may name a different rule when an earlier one needed no fact to decide.
    assert [(d.version, d.action) for d in ev.decisions] == [
        (d.version, d.action) for d in complete.decisions
    ]


def test_durations_used_by_the_strategies_parse() -> None:
    assert [parse_duration(d) for d in DURATIONS] == [timedelta(days=n) for n in (1, 7, 30, 90, 365)]


@SETTINGS
@given(packages(), policies(), GUARDRAILS, st.lists(st.sampled_from(SELECTORS), min_size=1, max_size=2))
def test_protected_versions_are_never_disposed(
    pkg: Pkg, pol: PackagePolicy, rails: Guardrails, pins: list[str]
) -> None:
    # Given any package, and a policy that disposes after 1d and also pins some versions
    fmt, versions, archived_at, _ = pkg
    pinned = pol.model_copy(
        update={
            "protect": [*pol.protect, ProtectRule(versions=pins)],
            "dispose": DisposeRule(archived_for=timedelta(days=1)),
        }
    )
    # When evaluated
    ev = _evaluate(fmt, versions, pinned, rails, archived_at)
    disposed = {d.version for d in ev.actions(Action.DISPOSE)}
    # Then no disposed version matches a protect rule (versions / published_within pins hold
    # an Archived version too: disposal cannot be undone)
    assert not any(compile_version_selector(pin)(version) for pin in pins for version in disposed)
    assert not any(_protected_by_simple_rules(pinned, f) for f in versions if f.version in disposed)
