"""Every validation rule of the v1 policy language, with the exact `field.path: message` line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ca_lifecycle.policy import PolicyDocument, PolicyError, load_policy, parse_policy

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

MakeDoc = Callable[..., dict[str, Any]]
MakePolicy = Callable[..., dict[str, Any]]


def errors_of(data: object) -> list[str]:
    with pytest.raises(PolicyError) as info:
        parse_policy(data)
    return info.value.errors


# (policy overrides, exact error lines). Each case breaks one rule of one policy.
POLICY_CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("unknown key", {"protect": [{"neweset": 5}]}, ["policies[0].protect[0].neweset: unknown field"]),
    ("unknown policy key", {"dispose_after": "3d"}, ["policies[0].dispose_after: unknown field"]),
    ("unknown scope key", {"scope": {"repository": "x"}}, ["policies[0].scope.repository: unknown field"]),
    (
        "bad id",
        {"id": "NPM libs"},
        [
            "policies[0].id: must be a slug of lowercase letters, digits and '-', e.g. npm-libraries, got "
            "'NPM libs'"
        ],
    ),
    (
        "bad domain",
        {"scope": {"domain": "Acme"}},
        [
            "policies[0].scope.domain: must be a CodeArtifact domain name: 2-50 lowercase letters, digits "
            "or '-', starting with a letter, got 'Acme'"
        ],
    ),
    (
        "unquoted owner",
        {"scope": {"domain_owner": 111122223333}},
        ["policies[0].scope.domain_owner: must be a quoted string of 12 digits, got 111122223333"],
    ),
    (
        "short owner",
        {"scope": {"domain_owner": "1234"}},
        ["policies[0].scope.domain_owner: must be a 12-digit AWS account id, got '1234'"],
    ),
    (
        "no repositories",
        {"scope": {"repositories": []}},
        ["policies[0].scope.repositories: must not be empty"],
    ),
    (
        "empty glob",
        {"scope": {"repositories": [""]}},
        ["policies[0].scope.repositories[0]: String should have at least 1 character"],
    ),
    ("no packages", {"scope": {"packages": []}}, ["policies[0].scope.packages: must not be empty"]),
    (
        "bad pattern",
        {"scope": {"packages": ["/npm/*", "npm/acme/*"]}},
        [
            "policies[0].scope.packages[1]: invalid package pattern 'npm/acme/*': must start with '/', "
            "e.g. '/npm/acme/*'"
        ],
    ),
    (
        "bad exclude",
        {"scope": {"exclude": ["/npm/acme$"]}},
        [
            "policies[0].scope.exclude[0]: invalid package pattern '/npm/acme$': '$' needs the full "
            "coordinate: /FORMAT/NAMESPACE/NAME$"
        ],
    ),
    (
        "pattern not a string",
        {"scope": {"packages": [42]}},
        ["policies[0].scope.packages[0]: must be a string, got 42 (quote it in YAML)"],
    ),
    (
        "bad origin",
        {"scope": {"origin": ["INTERNAl"]}},
        ["policies[0].scope.origin[0]: must be 'INTERNAL', 'EXTERNAL' or 'UNKNOWN', got 'INTERNAl'"],
    ),
    ("empty origin", {"scope": {"origin": []}}, ["policies[0].scope.origin: must not be empty"]),
    (
        "bad ordering",
        {"ordering": "calver"},
        [
            "policies[0].ordering: must be 'auto', 'semver', 'pep440', 'maven', 'nuget', 'ruby' or "
            "'published', got 'calver'"
        ],
    ),
    ("newest zero", {"protect": [{"newest": 0}]}, ["policies[0].protect[0].newest: must be >= 1, got 0"]),
    (
        "newest as text",
        {"protect": [{"newest": "5"}]},
        ["policies[0].protect[0].newest: must be a whole number, got '5'"],
    ),
    (
        "newest as bool",
        {"protect": [{"newest": True}]},
        ["policies[0].protect[0].newest: must be a whole number, got True"],
    ),
    (
        "per without newest",
        {"protect": [{"published_within": "30d", "per": "major"}]},
        ["policies[0].protect[0].per: only allowed together with newest"],
    ),
    (
        "bad per",
        {"protect": [{"newest": 1, "per": "patch"}]},
        ["policies[0].protect[0].per: must be 'major' or 'minor', got 'patch'"],
    ),
    (
        "protect with only prerelease",
        {"protect": [{"prerelease": False}]},
        [
            "policies[0].protect[0]: a protect rule needs at least one of newest, published_within, "
            "versions, downloaded_within"
        ],
    ),
    (
        "empty protect rule",
        {"protect": [{"newest": 1}, {}]},
        [
            "policies[0].protect[1]: a protect rule needs at least one of newest, published_within, "
            "versions, downloaded_within"
        ],
    ),
    (
        "bad regex",
        {"protect": [{"versions": ["2.4.*", "re:^1\\.(0"]}]},
        [
            "policies[0].protect[0].versions[1]: invalid regex 're:^1\\\\.(0': missing ), unterminated "
            "subpattern at position 4"
        ],
    ),
    (
        "empty selector",
        {"protect": [{"versions": [""]}]},
        ["policies[0].protect[0].versions[0]: empty version selector"],
    ),
    (
        "empty versions",
        {"protect": [{"versions": []}]},
        ["policies[0].protect[0].versions: must not be empty"],
    ),
    (
        "bad protect duration",
        {"protect": [{"published_within": "1 month"}]},
        ["policies[0].protect[0].published_within: invalid duration '1 month' (use e.g. 30d, 12h)"],
    ),
    (
        "negative beyond_newest",
        {"archive": [{"beyond_newest": -1}]},
        ["policies[0].archive[0].beyond_newest: must be >= 0, got -1"],
    ),
    (
        "bad archive duration",
        {"archive": [{"beyond_newest": 3}, {"published_before": "3x"}]},
        ["policies[0].archive[1].published_before: invalid duration '3x' (use e.g. 30d, 12h)"],
    ),
    (
        "empty archive condition",
        {"archive": [{}]},
        [
            "policies[0].archive[0]: an archive condition needs at least one of beyond_newest, "
            "published_before, prerelease, versions, not_downloaded_for"
        ],
    ),
    (
        "prerelease not bool",
        {"archive": [{"prerelease": "yes"}]},
        ["policies[0].archive[0].prerelease: must be true or false, got 'yes'"],
    ),
    (
        "archive not a list",
        {"archive": {"beyond_newest": 3}},
        ["policies[0].archive: must be a list, got dict"],
    ),
    ("dispose without delay", {"dispose": {}}, ["policies[0].dispose.archived_for: field required"]),
    (
        "dispose numeric",
        {"dispose": {"archived_for": 60}},
        ["policies[0].dispose.archived_for: invalid duration 60 (use e.g. 30d, 12h)"],
    ),
    (
        "bad origin_lock",
        {"origin_lock": "sometimes"},
        ["policies[0].origin_lock: must be 'auto' or 'off', got 'sometimes'"],
    ),
    (
        "origin_lock of wrong type",
        {"origin_lock": 3},
        ["policies[0].origin_lock: must be 'auto', 'off' or {publish: ALLOW|BLOCK, upstream: ALLOW|BLOCK}"],
    ),
    (
        "half origin_lock",
        {"origin_lock": {"publish": "BLCK"}},
        [
            "policies[0].origin_lock.publish: must be 'ALLOW' or 'BLOCK', got 'BLCK'",
            "policies[0].origin_lock.upstream: field required",
        ],
    ),
    ("scope not a mapping", {"scope": ["acme"]}, ["policies[0].scope: must be a mapping, got list"]),
]


@pytest.mark.parametrize(
    ("overrides", "expected"), [c[1:] for c in POLICY_CASES], ids=[c[0] for c in POLICY_CASES]
)
def test_policy_rule_errors(
    make_doc: MakeDoc, make_policy: MakePolicy, overrides: dict[str, Any], expected: list[str]
) -> None:
    # Given a valid document with one policy broken one way
    data = make_doc(make_policy(**overrides))
    # When validated / Then exactly that error is reported with its field path
    assert errors_of(data) == expected


TOP_CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("version 2", {"version": 2}, ["version: unsupported policy version 2: this release reads version 1"]),
    ("bad mode", {"mode": "wet"}, ["mode: must be 'dry-run' or 'enforce', got 'wet'"]),
    ("no policies", {"policies": []}, ["policies: must not be empty"]),
    ("unknown top key", {"polices": []}, ["polices: unknown field"]),
    (
        "negative keep",
        {"guardrails": {"keep_at_least": -1}},
        ["guardrails.keep_at_least: must be >= 0, got -1"],
    ),
    (
        "zero fraction",
        {"guardrails": {"max_archive_fraction": 0}},
        ["guardrails.max_archive_fraction: must be > 0.0, got 0"],
    ),
    (
        "fraction above 1",
        {"guardrails": {"max_archive_fraction": 1.5}},
        ["guardrails.max_archive_fraction: must be <= 1.0, got 1.5"],
    ),
    ("guardrail typo", {"guardrails": {"keep_atleast": 2}}, ["guardrails.keep_atleast: unknown field"]),
]


@pytest.mark.parametrize(("top", "expected"), [c[1:] for c in TOP_CASES], ids=[c[0] for c in TOP_CASES])
def test_document_errors(make_doc: MakeDoc, top: dict[str, Any], expected: list[str]) -> None:
    assert errors_of(make_doc(**top)) == expected


def test_missing_version_and_policies() -> None:
    assert errors_of({}) == ["version: field required", "policies: field required"]


@pytest.mark.parametrize(("data", "kind"), [([], "a list"), (None, "empty"), ("version: 1", "a str")])
def test_document_must_be_a_mapping(data: object, kind: str) -> None:
    assert errors_of(data) == [f"the policy document must be a mapping with version and policies, got {kind}"]


def test_all_errors_are_collected_not_just_the_first(make_doc: MakeDoc, make_policy: MakePolicy) -> None:
    # Given a document with problems in several policies and at the top level
    data = make_doc(
        make_policy(id="one", protect=[{"neweset": 5}], archive=[{"published_before": "3x"}]),
        make_policy(id="two", scope={"packages": ["/nope/*"]}, dispose={"archived_for": "0d"}),
        mode="enforcing",
    )
    # Then every one of them is reported, in document order
    assert errors_of(data) == [
        "mode: must be 'dry-run' or 'enforce', got 'enforcing'",
        "policies[0].protect[0].neweset: unknown field",
        "policies[0].archive[0].published_before: invalid duration '3x' (use e.g. 30d, 12h)",
        "policies[1].scope.packages[0]: invalid package pattern '/nope/*': unknown format 'nope' "
        "(one of cargo, generic, maven, npm, nuget, pypi, ruby, swift)",
        "policies[1].dispose.archived_for: invalid duration '0d' (use e.g. 30d, 12h)",
    ]


def test_duplicate_ids(make_doc: MakeDoc, make_policy: MakePolicy) -> None:
    data = make_doc(
        make_policy(id="a", scope={"packages": ["/npm/*"]}),
        make_policy(id="b", scope={"packages": ["/pypi/*"]}),
        make_policy(id="a", scope={"packages": ["/maven/*"]}),
    )
    assert errors_of(data) == ["policies[2].id: duplicate id 'a' (also policies[0])"]


def test_duplicate_ids_reported_alongside_field_errors(make_doc: MakeDoc, make_policy: MakePolicy) -> None:
    # Given a duplicate id and an unrelated field error (so the document model never completes)
    data = make_doc(
        make_policy(id="a"), make_policy(id="a", ordering="bogus", scope={"packages": ["/npm/*"]})
    )
    errors = errors_of(data)
    # Then both are reported
    assert "policies[1].id: duplicate id 'a' (also policies[0])" in errors
    assert any(e.startswith("policies[1].ordering: ") for e in errors)


def test_identical_pattern_domain_and_repositories_is_ambiguous(
    make_doc: MakeDoc, make_policy: MakePolicy
) -> None:
    data = make_doc(
        make_policy(id="a", scope={"repositories": ["release", "ci-*"], "packages": ["/npm/acme/*"]}),
        make_policy(
            id="b", scope={"repositories": ["ci-*", "release"], "packages": ["/pypi/*", "/npm/acme/*"]}
        ),
    )
    assert errors_of(data) == [
        "policies[1].scope.packages[1]: pattern '/npm/acme/*' is ambiguous: policies[0] ('a') has the same "
        "pattern for the same domain and repositories"
    ]


@pytest.mark.parametrize(
    "second_scope",
    [
        {"domain": "other", "packages": ["/npm/acme/*"]},
        {"repositories": ["release"], "packages": ["/npm/acme/*"]},
        {"domain_owner": "111122223333", "packages": ["/npm/acme/*"]},
        {"origin": ["EXTERNAL"], "packages": ["/npm/acme/*"]},
        {"packages": ["/npm/acme/widgets$"]},
    ],
    ids=["other domain", "other repositories", "other owner", "other origin", "other pattern"],
)
def test_overlapping_but_distinguishable_scopes_are_valid(
    make_doc: MakeDoc, make_policy: MakePolicy, second_scope: dict[str, Any]
) -> None:
    data = make_doc(
        make_policy(id="a", scope={"packages": ["/npm/acme/*"]}), make_policy(id="b", scope=second_scope)
    )
    assert len(parse_policy(data).policies) == 2


def test_defaults(make_doc: MakeDoc) -> None:
    # Given the smallest valid document
    document = parse_policy(make_doc({"id": "x", "scope": {"domain": "acme"}}))
    policy = document.policies[0]
    # Then every default is the documented one
    assert document.mode == "dry-run"
    assert (document.guardrails.keep_at_least, document.guardrails.max_archive_fraction) == (1, 0.5)
    assert policy.scope.repositories == ["*"]
    assert [str(p) for p in policy.scope.packages] == ["/*"]
    assert (policy.scope.exclude, policy.scope.origin, policy.scope.domain_owner) == ([], None, None)
    assert (policy.ordering, policy.protect, policy.archive, policy.dispose, policy.origin_lock) == (
        "auto",
        [],
        [],
        None,
        "off",
    )


def test_origin_lock_forms(make_doc: MakeDoc, make_policy: MakePolicy) -> None:
    document = parse_policy(
        make_doc(
            make_policy(id="a", origin_lock="auto", scope={"packages": ["/npm/*"]}),
            # PyYAML reads an unquoted `off` as false: it still means off.
            make_policy(id="b", origin_lock=False, scope={"packages": ["/pypi/*"]}),
            make_policy(
                id="c",
                origin_lock={"publish": "BLOCK", "upstream": "ALLOW"},
                scope={"packages": ["/maven/*"]},
            ),
        )
    )
    lock_a, lock_b, lock_c = (p.origin_lock for p in document.policies)
    assert (lock_a, lock_b) == ("auto", "off")
    assert not isinstance(lock_c, str)
    assert (lock_c.publish, lock_c.upstream) == ("BLOCK", "ALLOW")


def test_models_are_frozen(make_doc: MakeDoc) -> None:
    from pydantic import ValidationError

    document = parse_policy(make_doc())
    with pytest.raises(ValidationError, match="frozen"):
        document.mode = "enforce"  # type: ignore[misc,assignment]


def test_direct_construction_raises_validation_error_naming_sub_path() -> None:
    from ca_lifecycle.policy import ProtectRule
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="per: only allowed together with newest"):
        ProtectRule.model_validate({"per": "major", "versions": ["1.*"]})


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("misspelled-key.yaml", "policies[0].protect[0].neweset: unknown field"),
        ("negative-count.yaml", "policies[0].archive[0].beyond_newest: must be >= 0, got -1"),
        (
            "bad-duration.yaml",
            "policies[0].archive[1].published_before: invalid duration '3x' (use e.g. 30d, 12h)",
        ),
        (
            "bad-package-pattern.json",
            "policies[0].scope.packages[1]: invalid package pattern 'npm/acme/widgets$': must start with "
            "'/', "
            "e.g. '/npm/acme/*'",
        ),
    ],
)
def test_shipped_invalid_examples_fail_with_their_field_path(name: str, expected: str) -> None:
    with pytest.raises(PolicyError) as info:
        load_policy(EXAMPLES / "invalid" / name)
    assert info.value.errors == [expected]


def test_every_invalid_example_is_covered() -> None:
    covered = {"misspelled-key.yaml", "negative-count.yaml", "bad-duration.yaml", "bad-package-pattern.json"}
    assert {p.name for p in (EXAMPLES / "invalid").iterdir()} == covered


@pytest.mark.parametrize("name", ["policy.yaml", "minimal.yaml", "enforce-npm.json"])
def test_shipped_examples_are_valid(name: str) -> None:
    assert isinstance(load_policy(EXAMPLES / name), PolicyDocument)
