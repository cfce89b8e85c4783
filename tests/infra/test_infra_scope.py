"""Policy scopes as IAM patterns for package ARNs (infra/scope.py): always a superset of the
engine's selection, as narrow as IAM's two wildcards allow."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

import pytest
from ca_lifecycle.policy import load_policy
from ca_lifecycle.policy.patterns import PackagePattern

from infra.scope import minimal, package_pattern, package_resource_names, repository_pattern


@pytest.mark.parametrize(
    ("glob", "expected"),
    [
        ("release", "release"),
        ("ci-*", "ci-*"),
        ("team-?", "team-?"),
        ("ci-[ab]", "ci-?"),  # a character class is one character: IAM's ?
        ("[!x]-builds", "?-builds"),
    ],
)
def test_repository_globs_become_iam_patterns(glob: str, expected: str) -> None:
    assert repository_pattern(glob) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("/*", "*"),
        ("/npm/*", "npm/*"),
        ("/maven/com.acme~", "maven/com.acme*"),
        ("/npm/acme/*", "npm/acme/*"),
        ("/pypi//*", "pypi//*"),
        ("/npm/acme/web~", "npm/acme/web*"),
        ("/npm/acme/widgets$", "npm/acme/widgets"),
        ("/pypi//requests$", "pypi//requests"),
        # characters IAM would read as wildcards or ARNs may escape: widen one level
        ("/generic/odd%2Aspace/x$", "generic/*"),
        ("/generic/ns/what%3F$", "generic/ns/*"),
    ],
)
def test_package_group_patterns_become_package_arn_patterns(pattern: str, expected: str) -> None:
    assert package_pattern(PackagePattern(pattern)) == expected


@pytest.mark.parametrize(
    ("pattern", "coordinates"),
    [
        ("/maven/com.acme~", [("maven", "com.acme", "core"), ("maven", "com.acme.tools", "cli")]),
        ("/npm/acme/web~", [("npm", "acme", "web"), ("npm", "acme", "webkit")]),
        ("/npm/acme/*", [("npm", "acme", "widgets")]),
        ("/pypi//requests$", [("pypi", None, "requests")]),
    ],
)
def test_every_package_the_pattern_selects_is_inside_its_arn_pattern(
    pattern: str, coordinates: list[tuple[str, str | None, str]]
) -> None:
    compiled = PackagePattern(pattern)
    for fmt, namespace, name in coordinates:
        assert compiled.matches_coordinates(fmt, namespace, name)
        arn_tail = f"{fmt}/{namespace or ''}/{name}"
        assert fnmatchcase(arn_tail, package_pattern(compiled)), (pattern, arn_tail)


def test_covered_patterns_are_dropped_and_question_marks_never_cover() -> None:
    assert minimal(["d/r/npm/acme/*", "d/r/npm/acme/widgets", "d/r/*", "d/s/npm/*"]) == ["d/r/*", "d/s/npm/*"]
    assert minimal(["d/r?/npm/*", "d/rx/npm/*"]) == ["d/r?/npm/*", "d/rx/npm/*"]


def test_scopes_combine_each_repository_glob_with_each_package_pattern(tmp_path: Any) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "version: 1\nmode: enforce\npolicies:\n"
        "  - id: a\n    scope: {domain: acme, repositories: [release, ci-*], "
        "packages: ['/npm/acme/*', '/maven/com.acme~'], exclude: ['/npm/acme/legacy$']}\n"
        "    archive: [{beyond_newest: 3}]\n"
        "  - id: b\n    scope: {domain: acme, repositories: [release], packages: ['/npm/acme/widgets$']}\n"
        "    archive: [{beyond_newest: 3}]\n"
    )
    scopes = [policy.scope for policy in load_policy(path).policies]
    # the exclusion is not expressible (an Allow cannot subtract) and b is inside a
    assert package_resource_names(scopes) == [
        "acme/ci-*/maven/com.acme*",
        "acme/ci-*/npm/acme/*",
        "acme/release/maven/com.acme*",
        "acme/release/npm/acme/*",
    ]


def test_too_many_patterns_coarsen_instead_of_overflowing_the_role_policy(tmp_path: Any) -> None:
    path = tmp_path / "policy.yaml"
    packages = ", ".join(f"'/npm/acme/pkg{i}$'" for i in range(12))
    path.write_text(
        "version: 1\nmode: enforce\npolicies:\n"
        f"  - id: a\n    scope: {{domain: acme, repositories: [r1, r2, r3, r4], packages: [{packages}]}}\n"
        "    archive: [{beyond_newest: 3}]\n"
    )
    scopes = [policy.scope for policy in load_policy(path).policies]
    assert len(package_resource_names(scopes, limit=48)) == 48  # 4 x 12, within the limit
    assert package_resource_names(scopes, limit=47) == ["acme/r1/*", "acme/r2/*", "acme/r3/*", "acme/r4/*"]
    assert package_resource_names(scopes, limit=3) == ["acme/*"]
