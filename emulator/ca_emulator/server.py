"""The ``Emulator``: state + protocol + faults + introspection, served over loopback HTTP."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from botocore import xform_name
from botocore.model import OperationModel

from ca_emulator.errors import (
    AccessDeniedError,
    ApiError,
    InternalError,
    ThrottlingError,
    UnknownOperationError,
    ValidationError,
)
from ca_emulator.events import deliver
from ca_emulator.faults import WRITE_OPERATIONS, Faults
from ca_emulator.names import (
    domain_arn,
    namespace_problem,
    normalize_version,
    package_arn,
    repository_arn,
)
from ca_emulator.protocol import (
    Router,
    parse_query,
    parse_request,
    serialize_error,
    serialize_response,
    validate_value,
)
from ca_emulator.reads import read_event
from ca_emulator.seed import Seed, SeedError, parse_seed, read_seed_file
from ca_emulator.store import Package, Store, Version, check_format

_log = logging.getLogger("ca_emulator")

# Operations the emulator answers; every other modeled operation gets a clear 501.
IMPLEMENTED = frozenset(
    {
        "CreateDomain",
        "DescribeDomain",
        "ListDomains",
        "CreateRepository",
        "DescribeRepository",
        "ListRepositories",
        "ListRepositoriesInDomain",
        "ListPackages",
        "DescribePackage",
        "PutPackageOriginConfiguration",
        "ListPackageVersions",
        "DescribePackageVersion",
        "ListPackageVersionAssets",
        "GetPackageVersionAsset",
        "DeletePackage",
        "UpdatePackageVersionsStatus",
        "DisposePackageVersions",
        "DeletePackageVersions",
        "PublishPackageVersion",
        "CreatePackageGroup",
        "DescribePackageGroup",
        "ListPackageGroups",
        "DeletePackageGroup",
        "UpdatePackageGroupOriginConfiguration",
        "GetAssociatedPackageGroup",
    }
)

Response = tuple[int, dict[str, str], bytes]


class UnsupportedOperationError(ApiError):
    code = "UnsupportedOperationException"
    status = 501


class Emulator:
    """A local CodeArtifact: its behaviours and their AWS sources are in docs/emulator.md."""

    def __init__(
        self,
        account: str = "111122223333",
        region: str = "us-east-1",
        event_sink: Callable[[dict[str, Any]], None] | Any | None = None,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.account = account
        self.region = region
        self.event_sink = event_sink
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.sleep = sleep  # the injected-latency wait
        self.store = Store(account, region, self.clock)
        self.faults = Faults()
        self.sink_errors: list[str] = []  # deliveries the sink refused (the request still succeeded)
        # Every event handed to the sink, in delivery order (duplicates included); events the
        # delivery fault holds back are in _held as (event, is_a_copy) until released.
        self.delivered: list[dict[str, Any]] = []
        self._held: list[tuple[dict[str, Any], bool]] = []
        # CloudTrail-shaped read events (ca_emulator.reads), in delivery order, duplicates included.
        self.reads: list[dict[str, Any]] = []
        self._lock = threading.RLock()
        self._sink_lock = threading.Lock()
        self._stats: Counter[str] = Counter()
        self._router = Router()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.endpoint = ""

    # --- Python API -------------------------------------------------------------------

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.store.events

    def create_domain(self, name: str) -> None:
        _check_model_names(domain=name)
        with self._lock:
            self.store.new_domain(name)

    def create_repository(self, domain: str, name: str, description: str | None = None) -> None:
        _check_model_names(repository=name)
        with self._lock:
            self.store.new_repository(self.store.domain({"domain": domain}), name, description)

    def _repo_on_demand(self, domain: str, repository: str) -> tuple[Any, Any]:
        # Seeding helpers create the domain and repository on first use: less ceremony in tests.
        _check_model_names(domain=domain, repository=repository)
        dom = self.store.domains.get(domain) or self.store.new_domain(domain)
        repo = dom.repositories.get(repository) or self.store.new_repository(dom, repository)
        return dom, repo

    def add_version(  # noqa: PLR0917 - positional signature fixed by the API contract
        self,
        domain: str,
        repository: str,
        format: str,
        namespace: str | None,
        name: str,
        version: str,
        *,
        status: str = "Published",
        published: datetime | None = None,
        origin: str = "INTERNAL",
        revision: str | None = None,
        emit_event: bool = False,
        assets: Iterable[tuple[str, int]] | None = None,
    ) -> str:
        """Add one version (package, repository and domain created on demand); returns its revision.

        ``assets``: ``(name, size)`` pairs ListPackageVersionAssets then reports; by default the
        version has its format's plausible files (``ca_emulator.assets``); ``[]`` means none.
        """
        _check_model_names(namespace=namespace, package=name, version=version)
        asset_list = None if assets is None else list(assets)
        for asset_name, _ in asset_list or ():
            _check_model_names(asset=asset_name)
        with self._lock:
            dom, repo = self._repo_on_demand(domain, repository)
            result = self.store.add_version(
                repo,
                dom,
                fmt=format,
                namespace=namespace,
                name=name,
                version=version,
                status=status,
                published=published,
                origin=origin,
                revision=revision,
                emit_event=emit_event,
                assets=asset_list,
            )
        self._flush_events()
        return result

    def add_versions(  # noqa: PLR0917 - positional signature fixed by the API contract
        self,
        domain: str,
        repository: str,
        format: str,
        namespace: str | None,
        name: str,
        versions: Iterable[tuple[str, datetime]],
        *,
        status: str = "Published",
        origin: str = "INTERNAL",
    ) -> None:
        """Bulk-add ``(version, published)`` pairs without events."""
        _check_model_names(namespace=namespace, package=name)
        with self._lock:
            _, repo = self._repo_on_demand(domain, repository)
            self.store.add_versions(repo, format, namespace, name, versions, status=status, origin=origin)

    def set_origin_configuration(  # noqa: PLR0917 - positional signature fixed by the API contract
        self,
        domain: str,
        repository: str,
        format: str,
        namespace: str | None,
        name: str,
        publish: str = "ALLOW",
        upstream: str = "ALLOW",
    ) -> None:
        check_format(format)
        _check_model_names(namespace=namespace, package=name)
        for value in (publish, upstream):
            if value not in ("ALLOW", "BLOCK"):
                raise ValueError(f"origin restrictions are ALLOW or BLOCK, not {value!r}")
        with self._lock:
            _, repo = self._repo_on_demand(domain, repository)
            pkg = self.store.ensure_package(repo, format, namespace, name, restrictions=(publish, upstream))
            pkg.publish, pkg.upstream = publish, upstream

    def _find_package(
        self, domain: str, repository: str, fmt: str, namespace: str | None, name: str
    ) -> Package | None:
        dom = self.store.domains.get(domain)
        repo = dom.repositories.get(repository) if dom else None
        if repo is None:
            return None
        return repo.packages.get(self.store.package_key(fmt, namespace, name))

    def version_status(  # noqa: PLR0917 - positional signature fixed by the API contract
        self,
        domain: str,
        repository: str,
        format: str,
        namespace: str | None,
        name: str,
        version: str,
    ) -> str | None:
        """The version's status, or None when it does not exist (never created, or deleted)."""
        ver = self._find_version(domain, repository, format, namespace, name, version)
        return ver.status if ver else None

    def version_revision(  # noqa: PLR0917 - positional signature fixed by the API contract
        self,
        domain: str,
        repository: str,
        format: str,
        namespace: str | None,
        name: str,
        version: str,
    ) -> str | None:
        ver = self._find_version(domain, repository, format, namespace, name, version)
        return ver.revision if ver else None

    def _find_version(  # noqa: PLR0917 - mirrors the public look-ups above
        self, domain: str, repository: str, format: str, namespace: str | None, name: str, version: str
    ) -> Version | None:
        with self._lock:
            pkg = self._find_package(domain, repository, format, namespace, name)
            return pkg.versions.get(normalize_version(format, version)) if pkg else None

    def origin_configuration(
        self,
        domain: str,
        repository: str,
        format: str,
        namespace: str | None,
        name: str,
    ) -> dict[str, str]:
        """``{"publish": ..., "upstream": ...}``; KeyError when the package does not exist."""
        with self._lock:
            pkg = self._find_package(domain, repository, format, namespace, name)
            if pkg is None:
                raise KeyError(f"no package {format}/{namespace or ''}/{name} in {domain}/{repository}")
            return {"publish": pkg.publish, "upstream": pkg.upstream}

    def load_seed(self, data: Mapping[str, Any]) -> None:
        """Apply a seed document (DESIGN.md format); checked whole first, no events emitted."""
        seed = parse_seed(data)
        if seed.account is not None and seed.account != self.account:
            raise SeedError(
                "account", f"seed is for account {seed.account} but the emulator serves {self.account}"
            )
        if seed.region is not None and seed.region != self.region:
            raise SeedError(
                "region", f"seed is for region {seed.region} but the emulator serves {self.region}"
            )
        with self._lock:
            self._apply_seed(seed)

    def load_seed_file(self, path: str | Path) -> None:
        self.load_seed(read_seed_file(path))

    def _apply_seed(self, seed: Seed) -> None:
        for d_index, d in enumerate(seed.domains):
            dom = self.store.domains.get(d.name) or self.store.new_domain(d.name)
            for r_index, r in enumerate(d.repositories):
                repo = dom.repositories.get(r.name) or self.store.new_repository(dom, r.name, r.description)
                for p_index, p in enumerate(r.packages):
                    first_origin = p.versions[0].origin if p.versions else "INTERNAL"
                    pkg = self.store.ensure_package(
                        repo,
                        p.format,
                        p.namespace,
                        p.name,
                        origin=first_origin,
                        restrictions=p.origin_configuration,
                    )
                    if p.origin_configuration:
                        pkg.publish, pkg.upstream = p.origin_configuration
                    for v_index, v in enumerate(p.versions):
                        try:
                            self.store.add_version(
                                repo,
                                dom,
                                fmt=p.format,
                                namespace=p.namespace,
                                name=p.name,
                                version=v.version,
                                status=v.status,
                                published=v.published,
                                origin=v.origin,
                                revision=v.revision,
                                emit_event=False,
                                assets=v.assets,
                            )
                        except ValueError as exc:
                            path = (
                                f"domains[{d_index}].repositories[{r_index}].packages[{p_index}]"
                                f".versions[{v_index}].version"
                            )
                            raise SeedError(path, str(exc)) from exc

    def stats(self) -> dict[str, int]:
        with self._lock:
            return dict(self._stats)

    def reset_stats(self) -> None:
        with self._lock:
            self._stats.clear()

    # --- request handling (transport-independent, so unit tests need no socket) --------

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        """Answer one HTTP request; never raises."""
        parts = urlsplit(target)
        path = parts.path
        try:
            if path.startswith("/_emulator/") or path == "/_emulator":
                return self._introspect(method, path, body)
            return self._aws(method, path, parse_query(parts.query), headers, body)
        except ApiError as exc:
            return serialize_error(exc)
        except Exception:
            _log.exception("internal error answering %s %s", method, target)
            return serialize_error(InternalError("The emulator failed on this request; see its log"))

    def _aws(
        self, method: str, path: str, query: dict[str, list[str]], headers: Mapping[str, str], body: bytes
    ) -> Response:
        try:
            op, labels = self._router.resolve(method, path, query)
        except UnknownOperationError as exc:
            return serialize_error(exc)
        with self._lock:
            self._stats[op.name] += 1
            denied = self.faults.denies(op.name)
            fault = None if denied else self.faults.decide()
            latency = self.faults.latency_ms
            retry_after = self.faults.throttle_retry_after
        if latency:
            self.sleep(latency / 1000)
        if denied:
            raise self._access_denied(op, query, headers, body, labels)
        if fault == "throttle":
            raise ThrottlingError("Rate exceeded (injected by the emulator)", retry_after)
        if fault == "error":
            raise InternalError("Internal failure (injected by the emulator)")
        if op.name not in IMPLEMENTED:
            raise UnsupportedOperationError(f"The emulator does not implement {op.name}")
        params = parse_request(op, query, headers, body, labels)
        _check_namespace(op, params)
        handler: Callable[[dict[str, Any]], dict[str, Any]] = getattr(self.store, xform_name(op.name))
        try:
            with self._lock:
                if op.name in WRITE_OPERATIONS:
                    self._concurrent_change(params)
                result = handler(params)
                if op.name.startswith(("List", "Describe")) and self.faults.concurrent_change is not None:
                    self.faults._primed = True
        finally:
            self._flush_events()
        if op.name == "GetPackageVersionAsset":
            self._asset_read(params, result, headers)
        response_headers, response_body = serialize_response(op, result)
        return 200, response_headers, response_body

    # --- read events (usage retention) --------------------------------------------------

    def _asset_read(
        self, params: Mapping[str, Any], result: Mapping[str, Any], headers: Mapping[str, str]
    ) -> None:
        """A direct API download: CloudTrail records it under its own name, API spelling."""
        lowered = {k.lower(): v for k, v in headers.items()}
        event = read_event(
            account=params.get("domainOwner") or self.account,
            region=self.region,
            domain=params["domain"],
            repository=params["repository"],
            fmt=params["format"],
            namespace=params.get("namespace"),
            name=params["package"],
            version=str(result["packageVersion"]),
            time=self.clock(),
            event_name="GetPackageVersionAsset",
            principal_arn=lowered.get("x-emulator-principal") or f"arn:aws:iam::{self.account}:user/test",
            user_agent=lowered.get("user-agent", "Boto3"),
        )
        detail = event["detail"]
        rp = detail["requestParameters"]
        detail["requestParameters"] = {
            "domain": rp["domainName"],
            "domainOwner": rp["domainOwner"],
            "repository": rp["repositoryName"],
            "format": rp["packageFormat"],
            "namespace": rp["packageNamespace"],
            "package": rp["packageName"],
            "packageVersion": rp["packageVersion"],
            "asset": params["asset"],
        }
        self._deliver_reads([event])

    def simulate_reads(self, traffic: Iterable[Mapping[str, Any]]) -> int:
        """Package-manager traffic in bulk: per entry, ``metadata`` no-version reads (the
        packument / simple index) and ``count`` reads of ``version``, each delivered
        ``1 + duplicates`` times (CloudTrail's at-least-once: same eventID). Returns events sent.

        Entry keys: domain, repository, format, namespace, package, version (None: metadata
        only), count (1), metadata (1), duplicates (0), time (ISO-8601, default the clock),
        principal, user_agent.
        """
        events: list[dict[str, Any]] = []
        for entry in traffic:
            when = entry.get("time")
            moment = datetime.fromisoformat(when) if isinstance(when, str) else when or self.clock()
            common: dict[str, Any] = {
                "account": entry.get("domain_owner") or self.account,
                "region": self.region,
                "domain": entry["domain"],
                "repository": entry["repository"],
                "fmt": entry["format"],
                "namespace": entry.get("namespace"),
                "name": entry["package"],
                "time": moment,
                "principal_arn": entry.get("principal"),
            }
            if entry.get("user_agent"):
                common["user_agent"] = entry["user_agent"]
            copies = 1 + int(entry.get("duplicates", 0))
            version = entry.get("version")
            reads = [None] * int(entry.get("metadata", 1)) + (
                [version] * int(entry.get("count", 1)) if version else []
            )
            for read in reads:
                event = read_event(version=read, **common)
                events.extend([event] * copies)
        self._deliver_reads(events)
        return len(events)

    def _deliver_reads(self, events: list[dict[str, Any]]) -> None:
        with self._sink_lock:
            self.reads.extend(events)
            if self.event_sink is None:
                return
            for event in events:
                try:
                    deliver(self.event_sink, event)
                except Exception as exc:  # the read already happened; record, don't fail it
                    _log.warning("event sink failed: %s", exc)
                    self.sink_errors.append(str(exc))

    def _access_denied(
        self,
        op: OperationModel,
        query: dict[str, list[str]],
        headers: Mapping[str, str],
        body: bytes,
        labels: dict[str, str],
    ) -> AccessDeniedError:
        """IAM's answer to a caller without ``codeartifact:<operation>`` (the ``deny`` fault).

        IAM decides before the service validates anything, so a request too malformed to name
        its resource is still denied, on resource ``*``.
        """
        operation = op.name
        try:
            params = parse_request(op, query, headers, body, labels)
        except ApiError:
            params = {}
        resource = self._resource_arn(params)
        return AccessDeniedError(
            f"User: arn:aws:iam::{self.account}:user/test is not authorized to perform: "
            f"codeartifact:{operation} on resource: {resource} because no identity-based policy "
            f"allows the codeartifact:{operation} action"
        )

    def _resource_arn(self, params: Mapping[str, Any]) -> str:
        """The ARN IAM evaluates a request against: package, repository, domain or ``*``."""
        domain, repository, package = params.get("domain"), params.get("repository"), params.get("package")
        owner = params.get("domainOwner") or self.account
        if domain and repository and package and params.get("format"):
            return package_arn(
                self.region, owner, domain, repository, params["format"], params.get("namespace"), package
            )
        if domain and repository:
            return repository_arn(self.region, owner, domain, repository)
        if domain:
            return domain_arn(self.region, owner, domain)
        return "*"

    def _concurrent_change(self, params: dict[str, Any]) -> None:
        """Play the other client: change the targeted version's status just before our write."""
        change = self.faults.concurrent_change
        if change is None or not self.faults._primed:
            return
        domain, repository, fmt, namespace, name = change["package"]
        if (params.get("domain"), params.get("repository"), params.get("format")) != (
            domain,
            repository,
            fmt,
        ):
            return
        if self.store.package_key(
            fmt, params.get("namespace"), params.get("package", "")
        ) != self.store.package_key(fmt, namespace, name):
            return
        touched = {
            normalize_version(fmt, v)
            for v in [*(params.get("versions") or []), params.get("packageVersion")]
            if v is not None
        }
        if normalize_version(fmt, change["version"]) not in touched:
            return
        dom = self.store.domains.get(domain)
        repo = dom.repositories.get(repository) if dom else None
        pkg = repo.packages.get(self.store.package_key(fmt, namespace, name)) if repo else None
        if dom and repo and pkg:  # a package that does not exist has no version to change
            self.store.set_status(
                dom, repo, pkg, normalize_version(fmt, change["version"]), change["to_status"]
            )
        self.faults.concurrent_change = None
        self.faults._primed = False

    def flush_events(self) -> int:
        """Deliver every event the delivery fault holds back (shuffled); returns how many."""
        with self._lock:
            batch = self._release(force=True)
        self._deliver(batch)
        return len(batch)

    def _flush_events(self) -> None:
        with self._lock:
            outbox, self.store.outbox = self.store.outbox, []
            if self.faults.event_seed is None:
                # In order, exactly once; anything a since-disabled fault held goes first.
                batch = [event for event, _ in self._held] + outbox
                self._held = []
            else:
                self._held.extend((event, False) for event in outbox)
                batch = self._release(force=False)
        self._deliver(batch)

    def _release(self, *, force: bool) -> list[dict[str, Any]]:
        """The held events to deliver now, duplicated and shuffled by the seeded generator."""
        faults = self.faults
        if not self._held or (not force and len(self._held) < faults.event_hold):
            return []
        rng = faults.event_rng()
        window, self._held = self._held, []
        batch = [event for event, _ in window]
        for event, is_copy in window:
            if is_copy or rng.random() >= faults.event_duplicate_ratio:
                continue  # a copy is never copied again
            if faults.event_hold and not force:
                self._held.append((event, True))  # the copy arrives with the next window
            else:
                batch.append(event)
        rng.shuffle(batch)
        return batch

    def _deliver(self, batch: list[dict[str, Any]]) -> None:
        if not batch:
            return
        with self._sink_lock:
            self.delivered.extend(batch)
            if self.event_sink is None:
                return
            for event in batch:
                try:
                    deliver(self.event_sink, event)
                except Exception as exc:  # the API call already succeeded; record, don't fail it
                    _log.warning("event sink failed: %s", exc)
                    self.sink_errors.append(str(exc))

    def _introspect(self, method: str, path: str, body: bytes) -> Response:
        name = path.removeprefix("/_emulator/").strip("/")
        if (method, name) == ("GET", "stats"):
            return _json_response(200, {"requests": self.stats()})
        if (method, name) == ("POST", "reset"):
            self.reset_stats()
            return _json_response(200, {"requests": {}})
        if (method, name) == ("GET", "faults"):
            with self._lock:
                return _json_response(200, self.faults.as_json())
        if (method, name) == ("POST", "faults"):
            try:
                document = json.loads(body or b"{}")
                if not isinstance(document, dict):
                    raise ValueError("the body must be a JSON object")
                faults = Faults.from_json(document)
            except (ValueError, TypeError) as exc:
                return _json_response(400, {"message": str(exc)})
            with self._lock:
                self.faults = faults
                return _json_response(200, faults.as_json())
        if (method, name) == ("GET", "events"):
            with self._lock, self._sink_lock:
                return _json_response(
                    200,
                    {
                        "events": list(self.store.events),
                        "delivered": list(self.delivered),
                        "held": len(self._held),
                    },
                )
        if (method, name) == ("POST", "events/flush"):
            return _json_response(200, {"delivered": self.flush_events()})
        if (method, name) == ("POST", "reads"):
            try:
                document = json.loads(body or b"{}")
                traffic = document.get("reads") if isinstance(document, dict) else None
                if not isinstance(traffic, list) or not all(isinstance(t, dict) for t in traffic):
                    raise ValueError("reads: expected a list of objects")
                for index, entry in enumerate(traffic):
                    for key in ("domain", "repository", "format", "package"):
                        if not isinstance(entry.get(key), str) or not entry[key]:
                            raise ValueError(f"reads[{index}].{key}: required string")
                sent = self.simulate_reads(traffic)
            except (ValueError, TypeError) as exc:
                return _json_response(400, {"message": str(exc)})
            return _json_response(200, {"events": sent})
        if (method, name) == ("GET", "reads"):
            with self._sink_lock:
                return _json_response(200, {"reads": list(self.reads)})
        return _json_response(404, {"message": f"no emulator endpoint {method} {path}"})

    # --- HTTP server ------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        if self._server is not None:
            return self.endpoint
        server = _Server((host, port), _Handler)
        server.emulator = self
        self._server = server
        # A short poll interval: stop() (server.shutdown) waits up to one interval, per test.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="ca-emulator", daemon=True
        )
        self._thread.start()
        self.endpoint = f"http://{host}:{server.server_address[1]}"
        return self.endpoint

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def load_seed(source: Mapping[str, Any] | str | Path, **kwargs: Any) -> Emulator:
    """A new Emulator for the seed's account and region, loaded with it (a dict or a file path)."""
    data = source if isinstance(source, Mapping) else read_seed_file(source)
    seed = parse_seed(data)
    options = dict(kwargs)
    if seed.account is not None:
        options.setdefault("account", seed.account)
    if seed.region is not None:
        options.setdefault("region", seed.region)
    emulator = Emulator(**options)
    emulator.load_seed(data)
    return emulator


# Python-API argument -> the model shape every request naming it must satisfy.
_NAME_SHAPES = {
    "domain": "DomainName",
    "repository": "RepositoryName",
    "namespace": "PackageNamespace",
    "package": "PackageName",
    "version": "PackageVersion",
    "asset": "AssetName",
}


def _check_model_names(**values: str | None) -> None:
    """ValueError for a name no boto3 request could name (the model's length and pattern).

    Without it, ``add_version("a", ...)`` would seed a domain that every request then
    refuses with a ValidationException, far from the mistake.
    """
    for field, value in values.items():
        if value is None or (field == "namespace" and value == ""):  # "" means no namespace here
            continue
        problem = validate_value(_NAME_SHAPES[field], value, field)
        if problem is not None:
            raise ValueError(problem)


def _check_namespace(op: OperationModel, params: Mapping[str, Any]) -> None:
    """ValidationException for a namespace the format requires or cannot have.

    Only operations naming one package (``format`` + ``package``); ListPackages' namespace is
    a prefix filter and may be given with any format.
    """
    members = op.input_shape.members if op.input_shape is not None else {}
    if "package" not in members or "format" not in params:
        return
    problem = namespace_problem(params["format"], params.get("namespace"))
    if problem is not None:
        raise ValidationError(problem[0].upper() + problem[1:])


def _json_response(status: int, document: Any) -> Response:
    return status, {"Content-Type": "application/json"}, json.dumps(document).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    emulator: Emulator


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keep-alive: botocore pools connections, so a page costs no TCP handshake.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the second waits for the client's
    # delayed ACK (~40 ms per request on a kept-alive connection).
    disable_nagle_algorithm = True
    server: _Server

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            # An unreadable framing (Content-Length "abc", a bad chunk size): answer a JSON
            # error and drop the connection, whose remaining bytes cannot be delimited.
            self.close_connection = True
            status, headers, payload = serialize_error(
                ValidationError("The request body length (Content-Length or chunk size) is not valid")
            )
        else:
            status, headers, payload = self.server.emulator.handle(
                self.command, self.path, dict(self.headers), body
            )
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amzn-RequestId", f"emu-{threading.get_ident()}-{time.monotonic_ns()}")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(length) if length else b""

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("%s - %s", self.address_string(), format % args)
