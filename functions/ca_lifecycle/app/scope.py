"""One walk from policy scope to repositories to packages: the sweep, the worker's repository
pages and the CLI all enumerate what a policy covers through these functions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ca_lifecycle.facts import OriginType, PackageRef
from ca_lifecycle.gateway import Gateway, PackageSummary
from ca_lifecycle.policy import PolicyDocument

# Scope is checked before listing versions, so their origin types are unknown: any origin
# counts here, and process_package applies the exact scope.
ANY_ORIGIN = frozenset(OriginType)


@dataclass(frozen=True, slots=True)
class Target:
    """One repository in scope of some policy."""

    domain: str
    owner: str | None
    repository: str


@dataclass
class Targets:
    targets: list[Target]
    listed: dict[tuple[str, str | None], list[str]]  # every repository of each domain listed
    errors: dict[str, Exception]  # domain -> why its repositories could not be listed


def repository_targets(document: PolicyDocument, gateway: Gateway, default_owner: str | None) -> Targets:
    """Repositories of every policy's domain that its globs match, each once, in policy order.

    A policy without ``domain_owner`` means the caller's own account: resolving it here keeps
    ledger keys (which include the owner) identical to the events' keys. One unreachable
    domain does not starve the others; its error is returned for the caller to raise.
    """
    listed: dict[tuple[str, str | None], list[str]] = {}
    errors: dict[str, Exception] = {}
    targets: dict[Target, None] = {}
    for policy in document.policies:
        scope = policy.scope
        key = (scope.domain, scope.domain_owner or default_owner)
        if key not in listed:
            try:
                listed[key] = gateway.list_repositories(*key)
            except Exception as exc:
                listed[key] = []
                errors[scope.domain] = exc
        for repository in listed[key]:
            if scope.matches_repository(repository):
                targets.setdefault(Target(*key, repository), None)
    return Targets(targets=list(targets), listed=listed, errors=errors)


def claimable(document: PolicyDocument, summaries: Iterable[PackageSummary]) -> list[PackageRef]:
    """The listed packages some policy may claim."""
    return [s.package for s in claimable_summaries(document, summaries)]


def claimable_summaries(
    document: PolicyDocument, summaries: Iterable[PackageSummary]
) -> list[PackageSummary]:
    """The listed packages some policy may claim, with the origin configuration listed."""
    return [s for s in summaries if document.select(s.package, ANY_ORIGIN) is not None]


def scoped_packages(document: PolicyDocument, gateway: Gateway, target: Target) -> Iterator[PackageRef]:
    """Every package of ``target`` some policy may claim, a ListPackages page at a time."""
    token: str | None = None
    while True:
        summaries, token = gateway.list_packages_page(target.domain, target.owner, target.repository, token)
        yield from claimable(document, summaries)
        if not token:
            return
