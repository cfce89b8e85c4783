"""CodeArtifact's state and the documented semantics of each operation.

Operations (methods named ``botocore.xform_name(OperationName)``) take the validated input
parameters of the service model (member names as in ``service-2.json``) and return a dict of
output members; the protocol layer does the wire format. All state changes happen under one
lock held by the caller (``Emulator``).

Version order: each package keeps two sorted lists maintained incrementally with bisect:
``by_time`` ``(-publishedMicros, seq, version)`` for ``sortBy=PUBLISHED_TIME`` (newest first,
ties by insertion) and ``by_insertion`` ``(seq, version)``, the order we return without
``sortBy`` (CodeArtifact leaves it unspecified; insertion order is our choice). Tokens carry
the sort key of the last item returned, so each page costs O(log n + page size).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ca_emulator import tokens
from ca_emulator.assets import (
    Asset,
    default_asset_count,
    default_assets,
    filler,
    hashes_of,
    stand_in,
)
from ca_emulator.errors import AccessDeniedError, ConflictError, NotFoundError, ValidationError
from ca_emulator.events import Changes, package_version_event
from ca_emulator.groups import EXACT, Pattern, parse_pattern
from ca_emulator.names import (
    FORMATS,
    display_name,
    domain_arn,
    is_request_name_accepted,
    namespace_problem,
    normalize_name,
    normalize_namespace,
    normalize_version,
    repository_arn,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
STATUSES = ("Published", "Unfinished", "Unlisted", "Archived", "Disposed")
ORIGIN_TYPES = ("INTERNAL", "EXTERNAL", "UNKNOWN")
# Targets UpdatePackageVersionsStatus may set; Disposed only through DisposePackageVersions.
UPDATE_TARGETS = frozenset({"Published", "Unlisted", "Archived"})
# ListPackageVersions: "For --max-results, specify an integer from 1 to 1000 ... Its default is
# 50" (user guide, list-packages-versions.html). No other List* operation documents a default;
# 100 is ours for those.
DEFAULT_PAGE = 100
DEFAULT_VERSIONS_PAGE = 50

# Where EXTERNAL versions come from, per format (the public external connection names).
EXTERNAL_CONNECTIONS = {
    "npm": "public:npmjs",
    "pypi": "public:pypi",
    "maven": "public:maven-central",
    "nuget": "public:nuget-org",
    "ruby": "public:ruby-gems-org",
    "cargo": "public:crates-io",
}

RESTRICTION_TYPES = ("PUBLISH", "EXTERNAL_UPSTREAM", "INTERNAL_UPSTREAM")

PackageKey = tuple[str, str, str]  # (format, namespace or "", name): ListPackages order


def new_revision() -> str:
    """A revision like CodeArtifact's API returns: 32 bytes in standard base64 (44 characters).

    The user guide's sample outputs show e.g. ``+Oz8skWbwY3k8M6SrNIqNj6bVH/ax+CxvkJx+No5j8I=``
    (update-package-version-status.html): callers must cope with ``+``, ``/`` and ``=``.
    """
    return base64.b64encode(secrets.token_bytes(32)).decode()


def time_key(moment: datetime) -> int:
    """Negated microseconds since the epoch, so ascending order is newest first."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return -((aware - EPOCH) // timedelta(microseconds=1))


@dataclass(slots=True)
class Version:
    version: str
    status: str
    revision: str
    published: datetime
    origin: str
    seq: int
    # None until a real asset is stored: 100k seeded versions then cost no GC-tracked dicts,
    # which keeps garbage-collection pauses (and so per-page latency) flat as packages grow.
    assets: dict[str, Asset] | None = None
    # Seeded without an ``assets`` list: the format's default assets (``assets.default_assets``),
    # synthesized when asked for instead of stored, for the same reason.
    default_assets: bool = False

    @property
    def by_time_entry(self) -> tuple[int, int, str]:
        return (time_key(self.published), self.seq, self.version)


@dataclass(slots=True)
class Package:
    format: str
    namespace: str | None
    name: str
    display: str
    publish: str
    upstream: str
    versions: dict[str, Version] = field(default_factory=dict)
    by_time: list[tuple[int, int, str]] = field(default_factory=list)
    by_insertion: list[tuple[int, str]] = field(default_factory=list)
    next_seq: int = 0
    event_seq: int = 0
    generation: int = 0  # bumped on every change; keys the defaultDisplayVersion cache
    _display_cache: tuple[int, str | None] = (-1, None)

    @property
    def key(self) -> PackageKey:
        return (self.format, self.namespace or "", self.name)

    def insert(self, record: Version) -> None:
        self.versions[record.version] = record
        insort(self.by_time, record.by_time_entry)
        # seq only grows, so insertion order is an append.
        self.by_insertion.append((record.seq, record.version))
        self.generation += 1

    def remove(self, record: Version) -> None:
        del self.versions[record.version]
        entry = record.by_time_entry
        i = bisect_left(self.by_time, entry)
        del self.by_time[i]
        j = bisect_left(self.by_insertion, (record.seq, record.version))
        del self.by_insertion[j]
        self.generation += 1

    def default_display_version(self) -> str | None:
        """The newest Published version by publish time (cached until the package changes)."""
        generation, cached = self._display_cache
        if generation == self.generation:
            return cached
        found = None
        for _, _, version in self.by_time:
            if self.versions[version].status == "Published":
                found = version
                break
        self._display_cache = (self.generation, found)
        return found


@dataclass(slots=True)
class Repository:
    name: str
    description: str | None
    created: datetime
    upstreams: list[str]
    packages: dict[PackageKey, Package] = field(default_factory=dict)
    keys: list[PackageKey] = field(default_factory=list)  # sorted, for ListPackages


@dataclass(slots=True)
class PackageGroup:
    text: str
    pattern: Pattern
    created: datetime
    contact_info: str | None = None
    description: str | None = None
    # Origin restriction type (PUBLISH, EXTERNAL_UPSTREAM, INTERNAL_UPSTREAM) -> mode.
    modes: dict[str, str] = field(default_factory=lambda: dict.fromkeys(RESTRICTION_TYPES, "INHERIT"))
    allowed: dict[str, set[str]] = field(default_factory=lambda: {t: set() for t in RESTRICTION_TYPES})


@dataclass(slots=True)
class Domain:
    name: str
    created: datetime
    encryption_key: str
    repositories: dict[str, Repository] = field(default_factory=dict)
    groups: dict[str, PackageGroup] = field(default_factory=dict)


class Store:
    """Domains, repositories, packages and versions, plus the operations over them."""

    def __init__(self, account: str, region: str, clock: Callable[[], datetime]) -> None:
        self.account = account
        self.region = region
        self.clock = clock
        self.domains: dict[str, Domain] = {}
        self.events: list[dict[str, Any]] = []
        self.outbox: list[dict[str, Any]] = []  # emitted but not yet handed to the sink

    # --- lookups ----------------------------------------------------------------------

    def _owner(self, params: dict[str, Any]) -> None:
        owner = params.get("domainOwner")
        if owner is not None and owner != self.account:
            raise NotFoundError(
                f"Domain {params.get('domain')} owned by {owner} does not exist",
                "domain",
                params.get("domain", ""),
            )

    def domain(self, params: dict[str, Any]) -> Domain:
        self._owner(params)
        name = params["domain"]
        found = self.domains.get(name)
        if found is None:
            raise NotFoundError(f"Domain not found: {name}", "domain", name)
        return found

    def repository(self, params: dict[str, Any]) -> tuple[Domain, Repository]:
        dom = self.domain(params)
        name = params["repository"]
        found = dom.repositories.get(name)
        if found is None:
            raise NotFoundError(f"Repository not found: {name} in domain {dom.name}", "repository", name)
        return dom, found

    @staticmethod
    def package_key(fmt: str, namespace: str | None, name: str) -> PackageKey:
        return (fmt, normalize_namespace(fmt, namespace) or "", normalize_name(fmt, name))

    def package(self, params: dict[str, Any]) -> tuple[Domain, Repository, Package]:
        """The package a request names (API requests: pypi names must come normalized)."""
        dom, repo = self.repository(params)
        key = self.package_key(params["format"], params.get("namespace"), params["package"])
        found = repo.packages.get(key)
        name = key[2]
        if not is_request_name_accepted(params["format"], params["package"]):
            found, name = None, params["package"]  # the service has no such (non-normalized) name
        if found is None:
            shown = f"{key[1]}/{name}" if key[1] else name
            raise NotFoundError(
                f"Package not found: {params['format']} package {shown} in repository {repo.name}",
                "package",
                name,
            )
        return dom, repo, found

    def ensure_package(
        self,
        repo: Repository,
        fmt: str,
        namespace: str | None,
        name: str,
        *,
        origin: str = "INTERNAL",
        restrictions: tuple[str, str] | None = None,
    ) -> Package:
        """The package, created on first use with CodeArtifact's default origin configuration.

        Directly published (INTERNAL) packages start publish=ALLOW/upstream=BLOCK; ingested
        (EXTERNAL) ones publish=BLOCK/upstream=ALLOW.
        """
        key = self.package_key(fmt, namespace, name)
        found = repo.packages.get(key)
        if found is not None:
            return found
        problem = namespace_problem(fmt, namespace)
        if problem is not None:  # API requests were refused before; this guards the Python API
            raise ValueError(problem)
        if restrictions is None:
            restrictions = ("BLOCK", "ALLOW") if origin == "EXTERNAL" else ("ALLOW", "BLOCK")
        ns = key[1] or None
        pkg = Package(fmt, ns, key[2], display_name(fmt, ns, name), restrictions[0], restrictions[1])
        repo.packages[key] = pkg
        insort(repo.keys, key)
        return pkg

    # --- views ------------------------------------------------------------------------

    def _domain_view(self, dom: Domain) -> dict[str, Any]:
        return {
            "name": dom.name,
            "owner": self.account,
            "arn": domain_arn(self.region, self.account, dom.name),
            "status": "Active",
            "createdTime": dom.created,
            "encryptionKey": dom.encryption_key,
            "repositoryCount": len(dom.repositories),
            "assetSizeBytes": self._domain_asset_bytes(dom),
        }

    def _domain_asset_bytes(self, dom: Domain) -> int:
        """DomainDescription.assetSizeBytes, "the total size of all assets in the domain".

        CodeArtifact stores an asset once per domain (the same file in two repositories, e.g.
        retained from an upstream, is one stored asset): unique assets count, by SHA-256.
        """
        sizes: dict[str, int] = {}
        for repo in dom.repositories.values():
            for pkg in repo.packages.values():
                for ver in pkg.versions.values():
                    for asset in self.assets_of(pkg, ver).values():
                        sizes[asset.hashes["SHA-256"]] = asset.size
        return sum(sizes.values())

    @staticmethod
    def assets_of(pkg: Package, ver: Version) -> dict[str, Asset]:
        """The version's assets by name: stored ones, or its format's defaults, or none."""
        if ver.assets is not None:
            return ver.assets
        if ver.default_assets:
            return default_assets(pkg.format, pkg.namespace, pkg.name, ver.version)
        return {}

    @staticmethod
    def asset_count(pkg: Package, ver: Version) -> int:
        if ver.assets is not None:
            return len(ver.assets)
        return default_asset_count(pkg.format) if ver.default_assets else 0

    def _repository_view(self, dom: Domain, repo: Repository) -> dict[str, Any]:
        return {
            "name": repo.name,
            "administratorAccount": self.account,
            "domainName": dom.name,
            "domainOwner": self.account,
            "arn": repository_arn(self.region, self.account, dom.name, repo.name),
            "description": repo.description,
            "upstreams": [{"repositoryName": u} for u in repo.upstreams],
            "externalConnections": [],
            "createdTime": repo.created,
        }

    @staticmethod
    def _origin_config(pkg: Package) -> dict[str, Any]:
        return {"restrictions": {"publish": pkg.publish, "upstream": pkg.upstream}}

    @staticmethod
    def _origin(repo: Repository, pkg: Package, ver: Version) -> dict[str, Any]:
        if ver.origin == "INTERNAL":
            entry: dict[str, Any] = {"repositoryName": repo.name}
        elif ver.origin == "EXTERNAL":
            entry = {"externalConnectionName": EXTERNAL_CONNECTIONS.get(pkg.format, f"public:{pkg.format}")}
        else:
            entry = {}
        return {"domainEntryPoint": entry, "originType": ver.origin}

    # --- domains and repositories -----------------------------------------------------

    def new_domain(self, name: str) -> Domain:
        if name in self.domains:
            raise ConflictError(f"Domain {name} already exists", "domain", name)
        dom = Domain(
            name, self.clock(), f"arn:aws:kms:{self.region}:{self.account}:key/{secrets.token_hex(16)}"
        )
        # Every domain has the root group /*, allowing everything unless narrower groups say otherwise.
        dom.groups["/*"] = PackageGroup(
            "/*", parse_pattern("/*"), dom.created, modes=dict.fromkeys(RESTRICTION_TYPES, "ALLOW")
        )
        self.domains[name] = dom
        return dom

    def new_repository(
        self, dom: Domain, name: str, description: str | None = None, upstreams: Iterable[str] = ()
    ) -> Repository:
        if name in dom.repositories:
            raise ConflictError(f"Repository {name} already exists in domain {dom.name}", "repository", name)
        ups = list(upstreams)
        for up in ups:
            if up not in dom.repositories:
                raise NotFoundError(f"Upstream repository not found: {up}", "repository", up)
        repo = Repository(name, description, self.clock(), ups)
        dom.repositories[name] = repo
        return repo

    def create_domain(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"domain": self._domain_view(self.new_domain(p["domain"]))}

    def describe_domain(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"domain": self._domain_view(self.domain(p))}

    def list_domains(self, p: dict[str, Any]) -> dict[str, Any]:
        names = sorted(self.domains)
        page, token = _page_sorted(names, p, "ListDomains", lambda n: [n], lambda c: c[0])
        return {
            "domains": [
                {k: v for k, v in self._domain_view(self.domains[n]).items() if k != "repositoryCount"}
                for n in page
            ],
            "nextToken": token,
        }

    def create_repository(self, p: dict[str, Any]) -> dict[str, Any]:
        dom = self.domain(p)
        ups = [u["repositoryName"] for u in p.get("upstreams") or []]
        repo = self.new_repository(dom, p["repository"], p.get("description"), ups)
        return {"repository": self._repository_view(dom, repo)}

    def describe_repository(self, p: dict[str, Any]) -> dict[str, Any]:
        dom, repo = self.repository(p)
        return {"repository": self._repository_view(dom, repo)}

    def _list_repositories(self, p: dict[str, Any], domains: list[Domain], scope: str) -> dict[str, Any]:
        prefix = p.get("repositoryPrefix") or ""
        admin = p.get("administratorAccount")
        rows = sorted(
            (dom.name, repo.name)
            for dom in domains
            for repo in dom.repositories.values()
            if repo.name.startswith(prefix) and admin in (None, self.account)
        )
        page, token = _page_sorted(
            rows, p, tokens.fingerprint("ListRepositories", scope, prefix, admin), list, tuple
        )
        return {
            "repositories": [
                {
                    k: v
                    for k, v in self._repository_view(
                        self.domains[d], self.domains[d].repositories[r]
                    ).items()
                    if k not in ("upstreams", "externalConnections")
                }
                for d, r in page
            ],
            "nextToken": token,
        }

    def list_repositories(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._list_repositories(p, list(self.domains.values()), "*")

    def list_repositories_in_domain(self, p: dict[str, Any]) -> dict[str, Any]:
        dom = self.domain(p)
        return self._list_repositories(p, [dom], dom.name)

    # --- packages ---------------------------------------------------------------------

    def list_packages(self, p: dict[str, Any]) -> dict[str, Any]:
        dom, repo = self.repository(p)
        fmt = p.get("format")
        ns_prefix = p.get("namespace")
        name_prefix = p.get("packagePrefix")
        if fmt and ns_prefix:
            ns_prefix = normalize_namespace(fmt, ns_prefix)
        if fmt and name_prefix and fmt != "pypi":  # pypi requests must already be normalized
            name_prefix = normalize_name(fmt, name_prefix)
        publish, upstream = p.get("publish"), p.get("upstream")
        fp = tokens.fingerprint(
            "ListPackages", dom.name, repo.name, fmt, ns_prefix, name_prefix, publish, upstream
        )
        limit = p.get("maxResults") or DEFAULT_PAGE
        start = 0
        if p.get("nextToken"):
            start = bisect_right(repo.keys, tuple(tokens.decode(p["nextToken"], fp)))
        page: list[Package] = []
        token = None
        for key in repo.keys[start:] if start else repo.keys:
            pkg = repo.packages[key]
            if fmt and pkg.format != fmt:
                continue
            if ns_prefix is not None and not (pkg.namespace or "").startswith(ns_prefix):
                continue
            if name_prefix and not pkg.name.startswith(name_prefix):
                continue
            if publish and pkg.publish != publish:
                continue
            if upstream and pkg.upstream != upstream:
                continue
            if len(page) == limit:
                token = tokens.encode(list(page[-1].key), fp)
                break
            page.append(pkg)
        return {
            "packages": [
                {
                    "format": pkg.format,
                    "namespace": pkg.namespace,
                    "package": pkg.name,
                    "originConfiguration": self._origin_config(pkg),
                }
                for pkg in page
            ],
            "nextToken": token,
        }

    def describe_package(self, p: dict[str, Any]) -> dict[str, Any]:
        _, _, pkg = self.package(p)
        return {
            "package": {
                "format": pkg.format,
                "namespace": pkg.namespace,
                "name": pkg.name,
                "originConfiguration": self._origin_config(pkg),
            }
        }

    def put_package_origin_configuration(self, p: dict[str, Any]) -> dict[str, Any]:
        _, repo = self.repository(p)
        restrictions = p["restrictions"]
        if not is_request_name_accepted(p["format"], p["package"]):
            # The docs only say the normalized name "must be used"; refusing (instead of
            # creating a record no pip upload could ever match) is the emulator's choice.
            raise ValidationError(
                f"pypi package names must be normalized in API requests: use "
                f"{normalize_name(p['format'], p['package'])!r}, not {p['package']!r}"
            )
        pkg = self.ensure_package(
            repo,
            p["format"],
            p.get("namespace"),
            p["package"],
            restrictions=(restrictions["publish"], restrictions["upstream"]),
        )
        pkg.publish, pkg.upstream = restrictions["publish"], restrictions["upstream"]
        return {"originConfiguration": self._origin_config(pkg)}

    # --- versions ---------------------------------------------------------------------

    def list_package_versions(self, p: dict[str, Any]) -> dict[str, Any]:
        dom, repo, pkg = self.package(p)
        status, origin, sort_by = p.get("status"), p.get("originType"), p.get("sortBy")
        fp = tokens.fingerprint("ListPackageVersions", dom.name, repo.name, *pkg.key, status, origin, sort_by)
        limit = p.get("maxResults") or DEFAULT_VERSIONS_PAGE
        ordered: list[tuple[int, int, str]] | list[tuple[int, str]]
        ordered = pkg.by_time if sort_by == "PUBLISHED_TIME" else pkg.by_insertion
        start = 0
        if p.get("nextToken"):
            cursor = tokens.decode(p["nextToken"], fp)
            if not cursor or not all(isinstance(c, int) for c in cursor):
                raise ValidationError("The pagination token is not valid")
            # Entries are (key..., seq, version) with a unique seq: the next entry is the
            # first one at or after (key..., seq + 1).
            probe = (*cursor[:-1], cursor[-1] + 1)
            start = bisect_left(ordered, probe)
        page: list[Version] = []
        token = None
        last_cursor: list[int] = []
        for i in range(start, len(ordered)):
            entry = ordered[i]
            version = pkg.versions[str(entry[-1])]
            if status and version.status != status:
                continue
            if origin and version.origin != origin:
                continue
            if len(page) == limit:
                token = tokens.encode(last_cursor, fp)
                break
            page.append(version)
            last_cursor = [int(x) for x in entry[:-1]]
        return {
            "defaultDisplayVersion": pkg.default_display_version(),
            "format": pkg.format,
            "namespace": pkg.namespace,
            "package": pkg.name,
            "versions": [
                {
                    "version": v.version,
                    "revision": v.revision,
                    "status": v.status,
                    "origin": self._origin(repo, pkg, v),
                }
                for v in page
            ],
            "nextToken": token,
        }

    @staticmethod
    def _version(pkg: Package, version: str) -> Version:
        """The requested version (NuGet versions normalized as the service does), or a 404."""
        ver = pkg.versions.get(normalize_version(pkg.format, version))
        if ver is None:
            raise NotFoundError(
                f"Package version not found: {pkg.name} {version}", "package-version", version
            )
        return ver

    def describe_package_version(self, p: dict[str, Any]) -> dict[str, Any]:
        _, repo, pkg = self.package(p)
        ver = self._version(pkg, p["packageVersion"])
        return {
            "packageVersion": {
                "format": pkg.format,
                "namespace": pkg.namespace,
                "packageName": pkg.name,
                "displayName": pkg.display,
                "version": ver.version,
                "publishedTime": ver.published,
                "licenses": [],
                "revision": ver.revision,
                "status": ver.status,
                "origin": self._origin(repo, pkg, ver),
            }
        }

    def list_package_version_assets(self, p: dict[str, Any]) -> dict[str, Any]:
        dom, repo, pkg = self.package(p)
        ver = self._version(pkg, p["packageVersion"])
        # Paged by asset name (real versions may hold thousands of assets, e.g. maven snapshots).
        fp = tokens.fingerprint("ListPackageVersionAssets", dom.name, repo.name, *pkg.key, ver.version)
        stored = self.assets_of(pkg, ver)
        names, token = _page_sorted(sorted(stored), p, fp, lambda n: [n], lambda c: c[0])
        assets = [stored[n] for n in names]
        return {
            "format": pkg.format,
            "namespace": pkg.namespace,
            "package": pkg.name,
            "version": ver.version,
            "versionRevision": ver.revision,
            "assets": [{"name": a.name, "size": a.size, "hashes": a.hashes} for a in assets],
            "nextToken": token,
        }

    def get_package_version_asset(self, p: dict[str, Any]) -> dict[str, Any]:
        _, _, pkg = self.package(p)
        ver = self._version(pkg, p["packageVersion"])
        wanted = p.get("packageVersionRevision")
        if wanted is not None and wanted != ver.revision:
            raise NotFoundError(
                f"Package version {ver.version} has no revision {wanted}", "package-version", ver.version
            )
        if ver.status == "Archived":
            # Archived versions "can no longer be downloaded" (user guide, package version
            # statuses); the model lists ConflictException for this operation.
            raise ConflictError(
                f"Package version {ver.version} is Archived; its assets cannot be downloaded",
                "package-version",
                ver.version,
            )
        asset = self.assets_of(pkg, ver).get(p["asset"])
        if asset is None:
            raise NotFoundError(
                f"Asset not found: {p['asset']} in {pkg.name} {ver.version}", "asset", p["asset"]
            )
        return {
            "asset": filler(asset),
            "assetName": asset.name,
            "packageVersion": ver.version,
            "packageVersionRevision": ver.revision,
        }

    def delete_package(self, p: dict[str, Any]) -> dict[str, Any]:
        """DeletePackage: "Deletes a package and all associated package versions" (botocore).

        Each version goes as DeletePackageVersions would take it, with its Deleted event (the
        API reference does not say whether deleting a package emits them; the engine copes with
        either, and the events are the more demanding case).
        """
        dom, repo, pkg = self.package(p)
        summary = {
            "format": pkg.format,
            "namespace": pkg.namespace,
            "package": pkg.name,
            "originConfiguration": self._origin_config(pkg),
        }
        for _, version in list(pkg.by_insertion):
            ver = pkg.versions[version]
            removed = self.asset_count(pkg, ver)
            pkg.remove(ver)
            self._emit(
                dom,
                repo,
                pkg,
                ver,
                "Deleted",
                "Deleted",
                Changes(assets_removed=removed, status_changed=True),
            )
        del repo.packages[pkg.key]
        del repo.keys[bisect_left(repo.keys, pkg.key)]
        return {"deletedPackage": summary}

    def update_package_versions_status(self, p: dict[str, Any]) -> dict[str, Any]:
        target = p["targetStatus"]
        if target not in UPDATE_TARGETS:
            # A bad parameter, not a per-version failure: Unfinished is never a target and
            # "to set the status of a package version to Disposed, use DisposePackageVersions".
            raise ValidationError(
                f"targetStatus must be one of Archived, Published, Unlisted, not {target}"
                + (" (use DisposePackageVersions)" if target == "Disposed" else "")
            )
        return self._batch(p, "update", target)

    def dispose_package_versions(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._batch(p, "dispose", "Disposed")

    def delete_package_versions(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._batch(p, "delete", "Deleted")

    def _batch(self, p: dict[str, Any], mode: str, target: str) -> dict[str, Any]:
        """The three batch writes: per-version checks, then all-or-nothing application.

        Today's documented behaviour: if any version fails, every other requested version
        is reported SKIPPED and nothing changes.
        """
        dom, repo, pkg = self.package(p)
        # NuGet versions are normalized like names ("12.0.03.0" is 12.0.3); answers use the
        # stored form. A version named twice counts once.
        requested = list(dict.fromkeys(normalize_version(pkg.format, v) for v in p["versions"]))
        revisions: dict[str, str] = {
            normalize_version(pkg.format, v): r for v, r in (p.get("versionRevisions") or {}).items()
        }
        expected = p.get("expectedStatus")
        failed: dict[str, dict[str, str]] = {}
        for name in requested:
            ver = pkg.versions.get(name)
            if ver is None:
                failed[name] = {"errorCode": "NOT_FOUND", "errorMessage": f"version {name} not found"}
            elif expected is not None and ver.status != expected:
                failed[name] = {
                    "errorCode": "MISMATCHED_STATUS",
                    "errorMessage": f"current status: {ver.status}, expected status: {expected}",
                }
            elif name in revisions and revisions[name] != ver.revision:
                failed[name] = {
                    "errorCode": "MISMATCHED_REVISION",
                    "errorMessage": f"current revision: {ver.revision}, expected revision: {revisions[name]}",
                }
            elif not transition_allowed(mode, ver.status, target):
                failed[name] = {
                    "errorCode": "NOT_ALLOWED",
                    "errorMessage": f"cannot change status from {ver.status} to {target}",
                }
        if failed:
            for name in requested:
                if name not in failed:
                    failed[name] = {"errorCode": "SKIPPED", "errorMessage": f"version {name} is skipped"}
            return {"successfulVersions": {}, "failedVersions": failed}
        done: dict[str, dict[str, str]] = {}
        for name in requested:
            ver = pkg.versions[name]
            done[name] = {"revision": ver.revision, "status": target}
            if mode == "delete":
                pkg.remove(ver)
                self._emit(
                    dom,
                    repo,
                    pkg,
                    ver,
                    "Deleted",
                    "Deleted",
                    Changes(assets_removed=self.asset_count(pkg, ver), status_changed=True),
                )
            elif ver.status != target:
                removed = self.asset_count(pkg, ver) if target == "Disposed" else 0
                ver.status = target
                if target == "Disposed":
                    ver.assets = None
                    ver.default_assets = False
                pkg.generation += 1
                self._emit(
                    dom,
                    repo,
                    pkg,
                    ver,
                    target,
                    "Updated",
                    Changes(assets_removed=removed, status_changed=True),
                )
        return {"successfulVersions": done, "failedVersions": {}}

    def set_status(self, dom: Domain, repo: Repository, pkg: Package, version: str, status: str) -> None:
        """A status change made by someone else (the concurrent-change fault); revision kept."""
        ver = pkg.versions.get(version)
        if ver is None or ver.status == status:
            return
        ver.status = status
        pkg.generation += 1
        self._emit(dom, repo, pkg, ver, status, "Updated", Changes(status_changed=True))

    def publish_package_version(self, p: dict[str, Any]) -> dict[str, Any]:
        dom, repo = self.repository(p)
        if p["format"] != "generic":
            raise ValidationError("PublishPackageVersion supports only the generic format")
        content: bytes = (
            p["assetContent"] if isinstance(p["assetContent"], bytes) else p["assetContent"].encode()
        )
        digest = hashlib.sha256(content).hexdigest()
        if digest != p["assetSHA256"]:
            raise ValidationError(
                f"The SHA256 hash of the asset ({digest}) does not match assetSHA256 ({p['assetSHA256']})"
            )
        unfinished = bool(p.get("unfinished"))
        key = self.package_key(p["format"], p.get("namespace"), p["package"])
        refusal = self._publish_refusal(dom, repo, key)
        if refusal is not None:
            raise AccessDeniedError(refusal)
        pkg = self.ensure_package(repo, p["format"], p.get("namespace"), p["package"])
        asset = Asset(p["assetName"], len(content), hashes_of(content), content)
        ver = pkg.versions.get(p["packageVersion"])
        if ver is None:
            ver = Version(
                p["packageVersion"],
                "Unfinished" if unfinished else "Published",
                new_revision(),
                self.clock(),
                "INTERNAL",
                pkg.next_seq,
                {asset.name: asset},
            )
            pkg.next_seq += 1
            pkg.insert(ver)
            self._emit(
                dom,
                repo,
                pkg,
                ver,
                ver.status,
                "Created",
                Changes(assets_added=1, metadata_updated=True, status_changed=True),
            )
        else:
            # An existing asset may be published again only with identical content (a no-op
            # for the assets); other content under the same name is a conflict.
            if ver.assets is None:  # a seeded version: its defaults become stored assets
                ver.assets = dict(self.assets_of(pkg, ver))
                ver.default_assets = False
            existing_asset = ver.assets.get(asset.name)
            if existing_asset is not None and existing_asset.hashes["SHA-256"] != digest:
                raise ConflictError(
                    f"Asset {asset.name} of {pkg.name} {ver.version} exists with different content",
                    "asset",
                    asset.name,
                )
            if existing_asset is None and ver.status != "Unfinished":
                raise ConflictError(
                    f"Package version {ver.version} already exists with status {ver.status}",
                    "package-version",
                    ver.version,
                )
            finishing = ver.status == "Unfinished" and not unfinished
            if existing_asset is None:
                if ver.assets is None:
                    ver.assets = {}
                ver.assets[asset.name] = asset
                ver.revision = new_revision()
            if existing_asset is None or finishing:
                if finishing:
                    ver.status = "Published"
                pkg.generation += 1
                self._emit(
                    dom,
                    repo,
                    pkg,
                    ver,
                    ver.status,
                    "Updated",
                    Changes(
                        assets_added=0 if existing_asset else 1,
                        metadata_updated=existing_asset is None,
                        status_changed=finishing,
                    ),
                )
        return {
            "format": pkg.format,
            "namespace": pkg.namespace,
            "package": pkg.name,
            "version": ver.version,
            "versionRevision": ver.revision,
            "status": ver.status,
            "asset": {"name": asset.name, "size": asset.size, "hashes": asset.hashes},
        }

    # --- package groups -----------------------------------------------------------------

    def _group(self, dom: Domain, text: str) -> PackageGroup:
        found = dom.groups.get(text)
        if found is None:
            raise NotFoundError(f"Package group {text} not found in domain {dom.name}", None, text)
        return found

    @staticmethod
    def _parent(dom: Domain, group: PackageGroup) -> PackageGroup | None:
        """The most specific other group covering every package this one can match."""
        covering = [g for g in dom.groups.values() if g is not group and g.pattern.covers(group.pattern)]
        return max(covering, key=lambda g: g.pattern.specificity, default=None)

    def _mode_source(self, dom: Domain, group: PackageGroup, kind: str) -> PackageGroup | None:
        """The group whose mode ``group`` has for ``kind``: itself, or the first non-INHERIT parent."""
        source: PackageGroup | None = group
        while source is not None and source.modes[kind] == "INHERIT":
            source = self._parent(dom, source)
        return source

    def _associated_group(self, dom: Domain, key: PackageKey) -> PackageGroup:
        fmt, ns, name = key
        matching = [g for g in dom.groups.values() if g.pattern.matches(fmt, ns or None, name)]
        return max(matching, key=lambda g: g.pattern.specificity)  # /* always matches

    def _publish_refusal(self, dom: Domain, repo: Repository, key: PackageKey) -> str | None:
        """Why a direct publish of package ``key`` into ``repo`` is blocked (None: allowed).

        Both levels apply and BLOCK wins: the package's own ``publish`` restriction, and the
        effective PUBLISH mode of its package group (INHERIT walks to the first parent that is
        not INHERIT; ALLOW_SPECIFIC_REPOSITORIES allows only that group's listed repositories).
        """
        existing = repo.packages.get(key)
        if existing is not None and existing.publish == "BLOCK":
            return f"Publishing to package {key[2]} is blocked by its origin configuration (publish=BLOCK)"
        group = self._associated_group(dom, key)
        source = self._mode_source(dom, group, "PUBLISH")
        mode = source.modes["PUBLISH"] if source else "ALLOW"
        if mode == "BLOCK" or (
            mode == "ALLOW_SPECIFIC_REPOSITORIES"
            and source is not None
            and repo.name not in source.allowed["PUBLISH"]
        ):
            where = "" if source is group else f" (inherited from {source.text if source else '/*'})"
            return (
                f"Publishing to package {key[2]} in repository {repo.name} is blocked by package group "
                f"{group.text}: PUBLISH is {mode}{where}"
            )
        return None

    def _group_ref(self, dom: Domain, group: PackageGroup) -> dict[str, Any]:
        return {
            "arn": f"arn:aws:codeartifact:{self.region}:{self.account}:package-group/{dom.name}{group.text}",
            "pattern": group.text,
        }

    def _group_view(self, dom: Domain, group: PackageGroup) -> dict[str, Any]:
        restrictions = {}
        for kind in RESTRICTION_TYPES:
            source = self._mode_source(dom, group, kind)
            restriction: dict[str, Any] = {
                "mode": group.modes[kind],
                "effectiveMode": source.modes[kind] if source else "ALLOW",
                "repositoriesCount": len(group.allowed[kind]),
            }
            if source is not None and source is not group:
                restriction["inheritedFrom"] = self._group_ref(dom, source)
            restrictions[kind] = restriction
        parent = self._parent(dom, group)
        return {
            **self._group_ref(dom, group),
            "domainName": dom.name,
            "domainOwner": self.account,
            "createdTime": group.created,
            "contactInfo": group.contact_info,
            "description": group.description,
            "originConfiguration": {"restrictions": restrictions},
            "parent": self._group_ref(dom, parent) if parent else None,
        }

    def create_package_group(self, p: dict[str, Any]) -> dict[str, Any]:
        dom = self.domain(p)
        text = p["packageGroup"]
        try:
            pattern = parse_pattern(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        if text in dom.groups:
            raise ConflictError(f"Package group {text} already exists in domain {dom.name}")
        group = PackageGroup(text, pattern, self.clock(), p.get("contactInfo"), p.get("description"))
        dom.groups[text] = group
        return {"packageGroup": self._group_view(dom, group)}

    def describe_package_group(self, p: dict[str, Any]) -> dict[str, Any]:
        dom = self.domain(p)
        return {"packageGroup": self._group_view(dom, self._group(dom, p["packageGroup"]))}

    def list_package_groups(self, p: dict[str, Any]) -> dict[str, Any]:
        dom = self.domain(p)
        prefix = p.get("prefix") or ""
        texts = sorted(t for t in dom.groups if t.startswith(prefix))
        fp = tokens.fingerprint("ListPackageGroups", dom.name, prefix)
        page, token = _page_sorted(texts, p, fp, lambda t: [t], lambda c: c[0])
        return {"packageGroups": [self._group_view(dom, dom.groups[t]) for t in page], "nextToken": token}

    def delete_package_group(self, p: dict[str, Any]) -> dict[str, Any]:
        dom = self.domain(p)
        group = self._group(dom, p["packageGroup"])
        if group.text == "/*":
            raise ValidationError("The root package group /* cannot be deleted")
        # "When a package group is deleted, the direct child package groups will become children
        # of the package group's direct parent package group" (DeletePackageGroup): parents are
        # derived from pattern coverage, so removing the group re-parents its children by itself.
        view = self._group_view(dom, group)
        del dom.groups[group.text]
        return {"packageGroup": view}

    def update_package_group_origin_configuration(self, p: dict[str, Any]) -> dict[str, Any]:
        dom = self.domain(p)
        group = self._group(dom, p["packageGroup"])
        modes: dict[str, str] = p.get("restrictions") or {}
        if group.text == "/*" and "INHERIT" in modes.values():
            raise ValidationError("The root package group /* has nothing to inherit from")
        updates: dict[str, dict[str, list[str]]] = {}
        for key, verb in (("addAllowedRepositories", "ADDED"), ("removeAllowedRepositories", "REMOVED")):
            for item in p.get(key) or []:
                name, kind = item.get("repositoryName"), item.get("originRestrictionType")
                if name is None or kind is None:
                    raise ValidationError(f"{key} entries need repositoryName and originRestrictionType")
                if name not in dom.repositories:
                    raise NotFoundError(f"Repository not found: {name}", "repository", name)
                (group.allowed[kind].add if verb == "ADDED" else group.allowed[kind].discard)(name)
                updates.setdefault(kind, {}).setdefault(verb, []).append(name)
        group.modes.update(modes)
        return {"packageGroup": self._group_view(dom, group), "allowedRepositoryUpdates": updates}

    def get_associated_package_group(self, p: dict[str, Any]) -> dict[str, Any]:
        dom = self.domain(p)
        group = self._associated_group(dom, self.package_key(p["format"], p.get("namespace"), p["package"]))
        return {
            "packageGroup": self._group_view(dom, group),
            "associationType": "STRONG" if group.pattern.level == EXACT else "WEAK",
        }

    # --- seeding ----------------------------------------------------------------------

    def add_version(
        self,
        repo: Repository,
        dom: Domain,
        *,
        fmt: str,
        namespace: str | None,
        name: str,
        version: str,
        status: str,
        published: datetime | None,
        origin: str,
        revision: str | None,
        emit_event: bool,
        assets: Iterable[tuple[str, int]] | None = None,
    ) -> str:
        """``assets``: ``(name, size)`` pairs; None gives the version its format's default assets."""
        check_format(fmt)
        _check_status(status)
        _check_origin(origin)
        stored = (
            None if assets is None else seeded_assets(assets, f"{fmt}/{namespace or ''}/{name}/{version}")
        )
        pkg = self.ensure_package(repo, fmt, namespace, name, origin=origin)
        version = normalize_version(fmt, version)
        if version in pkg.versions:
            raise ValueError(f"{pkg.name} {version} already exists in {dom.name}/{repo.name}")
        ver = Version(
            version,
            status,
            revision or new_revision(),
            _aware(published) if published else self.clock(),
            origin,
            pkg.next_seq,
            # Disposed versions have no assets left (dispose deletes them).
            assets=None if status == "Disposed" else stored,
            default_assets=stored is None and status != "Disposed",
        )
        pkg.next_seq += 1
        pkg.insert(ver)
        if emit_event:
            self._emit(
                dom,
                repo,
                pkg,
                ver,
                status,
                "Created",
                Changes(assets_added=self.asset_count(pkg, ver), metadata_updated=True, status_changed=True),
            )
        return ver.revision

    def add_versions(
        self,
        repo: Repository,
        fmt: str,
        namespace: str | None,
        name: str,
        versions: Iterable[tuple[str, datetime]],
        *,
        status: str,
        origin: str,
    ) -> None:
        """Bulk insert: append everything, then sort once (100k versions in well under a second).

        All or nothing: a duplicate version raises ValueError before anything is stored (a
        half-applied batch would leave the publish-time index unsorted).
        """
        check_format(fmt)
        _check_status(status)
        _check_origin(origin)
        key = self.package_key(fmt, namespace, name)
        existing = repo.packages.get(key)
        taken = set(existing.versions) if existing else set()
        batch: list[tuple[str, datetime]] = []
        for given, published in versions:
            version = normalize_version(fmt, given)
            if version in taken:
                raise ValueError(f"{key[2]} {version} already exists in {repo.name}")
            taken.add(version)
            batch.append((version, _aware(published)))
        pkg = self.ensure_package(repo, fmt, namespace, name, origin=origin)
        for version, published in batch:
            ver = Version(
                version,
                status,
                new_revision(),
                published,
                origin,
                pkg.next_seq,
                default_assets=status != "Disposed",
            )
            pkg.next_seq += 1
            pkg.versions[version] = ver
            pkg.by_time.append(ver.by_time_entry)
            pkg.by_insertion.append((ver.seq, version))
        pkg.by_time.sort()
        pkg.generation += 1

    # --- events -----------------------------------------------------------------------

    def _emit(  # noqa: PLR0917 - the event's coordinates, always all given
        self,
        dom: Domain,
        repo: Repository,
        pkg: Package,
        ver: Version,
        state: str,
        operation: str,
        changes: Changes,
    ) -> None:
        pkg.event_seq += 1
        event = package_version_event(
            account=self.account,
            region=self.region,
            domain=dom.name,
            repository=repo.name,
            fmt=pkg.format,
            namespace=pkg.namespace,
            name=pkg.name,
            version=ver.version,
            state=state,
            revision=ver.revision,
            changes=changes,
            operation=operation,
            sequence=pkg.event_seq,
            time=self.clock(),
        )
        self.events.append(event)
        self.outbox.append(event)


def transition_allowed(mode: str, current: str, target: str) -> bool:
    """Which status changes each batch write may make.

    Nothing leaves Disposed except deletion; UpdatePackageVersionsStatus targets only
    Published/Unlisted/Archived (Unfinished is never a target, Disposed only via dispose);
    dispose and delete work from any status that still exists.
    """
    if mode == "delete":
        return True
    if mode == "dispose":
        return target == "Disposed"
    return target in UPDATE_TARGETS and current != "Disposed"


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")


def _check_origin(origin: str) -> None:
    if origin not in ORIGIN_TYPES:
        raise ValueError(f"origin must be one of {', '.join(ORIGIN_TYPES)}, not {origin!r}")


def seeded_assets(assets: Iterable[tuple[str, int]], identity: str) -> dict[str, Asset]:
    """Assets of a seeded version, by name: sizes as given, hashes of a stand-in content.

    Seeded versions have no bytes behind them; their hashes are those of the version's
    coordinates (``identity``), the name and the size, so every asset still carries the four
    hashes ListPackageVersionAssets reports and the same file in two repositories is one asset.
    """
    stored: dict[str, Asset] = {}
    for name, size in assets:
        if not isinstance(name, str) or not name:
            raise ValueError(f"asset name must be a non-empty string, not {name!r}")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ValueError(f"asset {name}: size must be a non-negative integer, not {size!r}")
        if name in stored:
            raise ValueError(f"asset {name} appears twice")
        stored[name] = stand_in(identity, name, size)
    return stored


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _page_sorted(
    rows: list[Any],
    p: dict[str, Any],
    fp: str,
    to_cursor: Callable[[Any], list[Any]],
    from_cursor: Callable[[list[Any]], Any],
) -> tuple[list[Any], str | None]:
    """One page of an already sorted list of unique rows, with a cursor token."""
    limit = p.get("maxResults") or DEFAULT_PAGE
    start = 0
    if p.get("nextToken"):
        start = bisect_right(rows, from_cursor(tokens.decode(p["nextToken"], fp)))
    page = rows[start : start + limit]
    token = tokens.encode(to_cursor(page[-1]), fp) if start + limit < len(rows) and page else None
    return page, token
