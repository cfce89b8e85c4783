"""Which policy governs a package: the most specific matching scope, first listed on a tie."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ca_lifecycle.facts import OriginType, PackageRef
from ca_lifecycle.policy import ArchiveCondition, PolicyDocument, ProtectRule, parse_policy

MakeDoc = Callable[..., dict[str, Any]]
MakePolicy = Callable[..., dict[str, Any]]


def ref(
    fmt: str = "npm",
    namespace: str | None = "acme",
    name: str = "widgets",
    *,
    domain: str = "acme",
    repository: str = "release",
    domain_owner: str | None = None,
) -> PackageRef:
    return PackageRef(
        domain=domain,
        repository=repository,
        format=fmt,
        namespace=namespace,
        name=name,
        domain_owner=domain_owner,
    )


def doc_of(make_doc: MakeDoc, make_policy: MakePolicy, scopes: dict[str, dict[str, Any]]) -> PolicyDocument:
    return parse_policy(make_doc(*(make_policy(id=pid, scope=scope) for pid, scope in scopes.items())))


def selected(
    document: PolicyDocument, package: PackageRef, origins: tuple[OriginType, ...] = ()
) -> str | None:
    policy = document.select(package, origins)
    return None if policy is None else policy.id


@pytest.fixture
def ladder(make_doc: MakeDoc, make_policy: MakePolicy) -> PolicyDocument:
    # Listed weakest first, so a win can only come from specificity, never from order.
    return doc_of(
        make_doc,
        make_policy,
        {
            "all": {"packages": ["/*"]},
            "npm": {"packages": ["/npm/*"]},
            "ns-prefix": {"packages": ["/npm/ac~"]},
            "ns-prefix-longer": {"packages": ["/npm/acme~"]},
            "namespace": {"packages": ["/npm/acme/*"]},
            "name-prefix": {"packages": ["/npm/acme/w~"]},
            "name-prefix-longer": {"packages": ["/npm/acme/wid~"]},
            "exact": {"packages": ["/npm/acme/widgets$"]},
            "pypi-requests": {"packages": ["/pypi//requests$"]},
        },
    )


@pytest.mark.parametrize(
    ("package", "expected"),
    [
        (ref(name="widgets"), "exact"),
        (ref(name="wide"), "name-prefix-longer"),
        (ref(name="wombat"), "name-prefix"),
        (ref(name="gadgets"), "namespace"),
        (ref(namespace="acme-labs"), "ns-prefix-longer"),
        (ref(namespace="acorn"), "ns-prefix"),
        (ref(namespace="other"), "npm"),
        (ref(namespace=None), "npm"),
        (ref("pypi", None, "requests"), "pypi-requests"),
        (ref("pypi", None, "requests-oauthlib"), "all"),
        (ref("maven", "com.acme", "core"), "all"),
    ],
)
def test_most_specific_scope_wins(ladder: PolicyDocument, package: PackageRef, expected: str) -> None:
    assert selected(ladder, package) == expected


def test_the_brief_table(make_doc: MakeDoc, make_policy: MakePolicy) -> None:
    # Given the five patterns of the brief in one document, listed in a scrambled order
    document = doc_of(
        make_doc,
        make_policy,
        {
            "npm": {"packages": ["/npm/*"]},
            "wid": {"packages": ["/npm/acme/wid~"]},
            "all": {"packages": ["/*"]},
            "widgets": {"packages": ["/npm/acme/widgets$"]},
            "acme": {"packages": ["/npm/acme/*"]},
        },
    )
    assert selected(document, ref(name="widgets")) == "widgets"
    assert selected(document, ref(name="widen")) == "wid"
    assert selected(document, ref(name="gizmo")) == "acme"
    assert selected(document, ref(namespace="other")) == "npm"
    assert selected(document, ref("pypi", None, "requests")) == "all"


def test_a_policy_counts_with_its_strongest_matching_pattern(
    make_doc: MakeDoc, make_policy: MakePolicy
) -> None:
    document = doc_of(
        make_doc,
        make_policy,
        {
            "namespace": {"packages": ["/npm/acme/*"]},
            "broad-and-exact": {"packages": ["/*", "/npm/acme/widgets$"]},
        },
    )
    assert selected(document, ref(name="widgets")) == "broad-and-exact"
    assert selected(document, ref(name="gadgets")) == "namespace"


def test_exclude_hands_the_package_to_a_less_specific_policy(
    make_doc: MakeDoc, make_policy: MakePolicy
) -> None:
    document = doc_of(
        make_doc,
        make_policy,
        {
            "acme": {"packages": ["/npm/acme/*"], "exclude": ["/npm/acme/legacy-sdk$", "/npm/acme/old~"]},
            "npm": {"packages": ["/npm/*"]},
        },
    )
    assert selected(document, ref(name="widgets")) == "acme"
    assert selected(document, ref(name="legacy-sdk")) == "npm"
    assert selected(document, ref(name="old-client")) == "npm"


def test_exclude_without_fallback_leaves_package_alone(make_doc: MakeDoc, make_policy: MakePolicy) -> None:
    document = doc_of(
        make_doc, make_policy, {"acme": {"packages": ["/npm/acme/*"], "exclude": ["/npm/acme/legacy-sdk$"]}}
    )
    assert selected(document, ref(name="legacy-sdk")) is None


def test_no_matching_policy_selects_none(ladder: PolicyDocument) -> None:
    assert selected(ladder, ref(domain="other")) is None


def test_tie_goes_to_the_first_listed(make_doc: MakeDoc, make_policy: MakePolicy) -> None:
    document = doc_of(
        make_doc,
        make_policy,
        {
            "release-only": {"repositories": ["release"], "packages": ["/npm/*"]},
            "everywhere": {"packages": ["/npm/*"]},
        },
    )
    assert selected(document, ref(repository="release")) == "release-only"
    assert selected(document, ref(repository="staging")) == "everywhere"


@pytest.mark.parametrize(
    ("repository", "expected"),
    [
        ("release", True),
        ("ci-main", True),
        ("ci-", True),
        ("CI-main", False),
        ("release2", False),
        ("pre-release", False),
    ],
)
def test_repository_globs(
    make_doc: MakeDoc, make_policy: MakePolicy, repository: str, expected: bool
) -> None:
    document = doc_of(make_doc, make_policy, {"p": {"repositories": ["release", "ci-*"]}})
    assert document.policies[0].scope.matches_repository(repository) is expected
    assert (selected(document, ref(repository=repository)) == "p") is expected


@pytest.mark.parametrize(
    ("policy_owner", "package_owner", "expected"),
    [
        (None, None, True),
        (None, "111122223333", True),
        ("111122223333", None, True),  # unknown owner on the package: the caller's own account
        ("111122223333", "111122223333", True),
        ("111122223333", "444455556666", False),
    ],
)
def test_domain_owner(
    make_doc: MakeDoc,
    make_policy: MakePolicy,
    policy_owner: str | None,
    package_owner: str | None,
    expected: bool,
) -> None:
    document = doc_of(make_doc, make_policy, {"p": {"domain_owner": policy_owner}})
    assert (selected(document, ref(domain_owner=package_owner)) == "p") is expected


@pytest.mark.parametrize(
    ("origins", "expected"),
    [
        ((OriginType.INTERNAL,), "internal"),
        ((OriginType.EXTERNAL, OriginType.INTERNAL), "internal"),
        ((OriginType.EXTERNAL,), "any"),
        ((), "any"),
    ],
)
def test_origin_filter(
    make_doc: MakeDoc, make_policy: MakePolicy, origins: tuple[OriginType, ...], expected: str
) -> None:
    # Given a specific INTERNAL-only policy and a broad one
    document = doc_of(
        make_doc,
        make_policy,
        {"internal": {"packages": ["/npm/acme/*"], "origin": ["INTERNAL"]}, "any": {"packages": ["/npm/*"]}},
    )
    assert selected(document, ref(), origins) == expected


def test_domains_are_distinct_in_first_seen_order(make_doc: MakeDoc, make_policy: MakePolicy) -> None:
    document = doc_of(
        make_doc,
        make_policy,
        {
            "a": {"domain": "zeta", "packages": ["/npm/*"]},
            "b": {"domain": "acme", "domain_owner": "111122223333"},
            "c": {"domain": "zeta", "packages": ["/pypi/*"]},
            "d": {"domain": "acme", "packages": ["/maven/*"]},
        },
    )
    assert document.domains() == [("zeta", None), ("acme", "111122223333"), ("acme", None)]


@pytest.mark.parametrize(
    ("versions", "version", "expected"),
    [
        (["2.4.*"], "2.4.0", True),
        (["2.4.*"], "2.4.10-beta.1", True),
        (["2.4.*"], "2.40.0", False),
        (["2.4.*"], "12.4.0", False),
        (["1.0.0"], "1.0.0", True),
        (["1.0.0"], "1.0.0.1", False),
        (["re:^1\\.0\\."], "1.0.3", True),
        (["re:^1\\.0\\."], "11.0.3", False),
        (["re:-rc\\d+$"], "3.0.0-rc2", True),  # regexes search, so they need no leading .*
        (["3.*", "re:^1\\."], "1.2", True),
        (["3.*", "re:^1\\."], "2.0", False),
    ],
)
def test_version_selectors(versions: list[str], version: str, expected: bool) -> None:
    assert ProtectRule(versions=versions).versions_match(version) is expected
    assert ArchiveCondition(versions=versions).versions_match(version) is expected


def test_rule_without_versions_key_matches_every_version() -> None:
    assert ProtectRule(newest=1).versions_match("anything")
    assert ArchiveCondition(prerelease=True).versions_match("anything")


@pytest.mark.parametrize(
    ("scopes", "package", "expected"),
    [
        # A literal repository name beats a glob, whichever is listed first.
        (
            {
                "everywhere": {"packages": ["/npm/*"]},
                "release-only": {"repositories": ["release"], "packages": ["/npm/*"]},
            },
            ref(repository="release"),
            "release-only",
        ),
        # A glob with more literal characters beats a shorter one.
        (
            {"any": {"repositories": ["*"]}, "ci": {"repositories": ["ci-*"]}},
            ref(repository="ci-main"),
            "ci",
        ),
        # A stated domain_owner beats none, for the same patterns and repositories.
        (
            {"any-owner": {}, "owned": {"domain_owner": "111122223333"}},
            ref(domain_owner="111122223333"),
            "owned",
        ),
        # An origin filter narrows too.
        (
            {
                "any-origin": {"packages": ["/npm/*"]},
                "internal": {"packages": ["/npm/*"], "origin": ["INTERNAL"]},
            },
            ref(),
            "internal",
        ),
        # The package pattern still decides first: an exact package in "*" beats a namespace in "release".
        (
            {
                "release-ns": {"repositories": ["release"], "packages": ["/npm/acme/*"]},
                "exact-anywhere": {"packages": ["/npm/acme/widgets$"]},
            },
            ref(repository="release"),
            "exact-anywhere",
        ),
    ],
)
def test_equal_patterns_go_to_the_narrower_repository_owner_or_origin(
    make_doc: MakeDoc,
    make_policy: MakePolicy,
    scopes: dict[str, dict[str, Any]],
    package: PackageRef,
    expected: str,
) -> None:
    # Given two policies whose package patterns are equally specific, the broader listed first
    document = doc_of(make_doc, make_policy, scopes)
    # When selecting for a package both claim
    # Then the narrower scope wins, not the first listed
    assert selected(document, package, (OriginType.INTERNAL,)) == expected
