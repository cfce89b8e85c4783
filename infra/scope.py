"""A policy's scopes as IAM resource patterns for CodeArtifact package ARNs.

Package ARNs read ``package/DOMAIN/REPOSITORY/FORMAT/NAMESPACE/NAME`` (an empty namespace
gives ``FORMAT//NAME``). IAM resource patterns know two wildcards, ``*`` (any run of
characters, ``/`` included) and ``?`` (one character), so a repository glob and a
package-group pattern both become a pattern over that ARN. Every translation here is a
superset of what the engine selects, never a subset: a narrower grant would turn a decision
the engine is allowed to make into AccessDenied at run time. What IAM cannot express widens:

- fnmatch character classes (``[ab]``) become ``?``;
- a namespace or name with characters outside ``[A-Za-z0-9._-]`` widens to the level above
  (how CodeArtifact escapes such characters inside an ARN is not documented);
- ``exclude`` patterns and the ``origin`` filter are not expressed at all (an Allow cannot
  subtract, and a Deny would also block a less specific policy that claims the package).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from typing import Protocol

from ca_lifecycle.policy.patterns import PackagePattern, PatternKind

# Characters IAM matches literally and CodeArtifact names use as they are.
_LITERAL = re.compile(r"^[A-Za-z0-9._-]*$")
_CHARACTER_CLASS = re.compile(r"\[!?\]?[^\]]*\]")


class ScopeLike(Protocol):
    """What the translation reads of ``ca_lifecycle.policy.Scope``."""

    @property
    def domain(self) -> str: ...

    @property
    def repositories(self) -> Sequence[str]: ...

    @property
    def packages(self) -> Sequence[PackagePattern]: ...


def repository_pattern(glob: str) -> str:
    """An fnmatch repository glob as an IAM pattern: ``*`` and ``?`` mean the same in both."""
    return _CHARACTER_CLASS.sub("?", glob)


def package_pattern(pattern: PackagePattern) -> str:
    """``FORMAT/NAMESPACE/NAME`` part of the package ARN for a package-group pattern."""
    kind, fmt = pattern.kind, pattern.format
    namespace, name = pattern.namespace or "", pattern.name or ""
    if kind is PatternKind.ALL or fmt is None:
        return "*"
    if kind is PatternKind.FORMAT or not _LITERAL.match(namespace):
        return f"{fmt}/*"
    if kind is PatternKind.NAMESPACE_PREFIX:
        return f"{fmt}/{namespace}*"
    if kind is PatternKind.NAMESPACE or not _LITERAL.match(name):
        return f"{fmt}/{namespace}/*"
    if kind is PatternKind.NAME_PREFIX:
        return f"{fmt}/{namespace}/{name}*"
    return f"{fmt}/{namespace}/{name}"


def _covers(wide: str, narrow: str) -> bool:
    """``wide`` matches every ARN ``narrow`` matches (sound for ``*``-only wide patterns:
    each wildcard of ``narrow`` then lies inside a span one ``*`` of ``wide`` consumes)."""
    return wide != narrow and "?" not in wide and fnmatchcase(narrow, wide)


def minimal(patterns: Iterable[str]) -> list[str]:
    """Distinct patterns without those another one already covers, sorted."""
    unique = sorted(set(patterns))
    return [p for p in unique if not any(_covers(other, p) for other in unique)]


# Above this many patterns per domain the grant coarsens: IAM caps a role's inline policies
# at 10,240 characters, and each package ARN costs about 100 of them.
MAX_PATTERNS_PER_DOMAIN = 40


def package_resource_names(scopes: Iterable[ScopeLike], limit: int = MAX_PATTERNS_PER_DOMAIN) -> list[str]:
    """``DOMAIN/REPOSITORY/FORMAT/NAMESPACE/NAME`` patterns (after ``package/``) for the scopes,
    one per repository glob and package pattern, minus the covered ones.

    More than ``limit`` of them coarsen to every package of each repository glob, and if
    that is still too many, to every package of the domain: wider, never failing to deploy.
    """
    scopes = list(scopes)
    names = minimal(
        f"{scope.domain}/{repository_pattern(glob)}/{package_pattern(pattern)}"
        for scope in scopes
        for glob in scope.repositories
        for pattern in scope.packages
    )
    if len(names) > limit:
        names = minimal(
            f"{scope.domain}/{repository_pattern(glob)}/*" for scope in scopes for glob in scope.repositories
        )
    if len(names) > limit:
        names = minimal(f"{scope.domain}/*" for scope in scopes)
    return names
