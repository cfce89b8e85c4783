"""The emulator seed file (DESIGN.md): parsed and checked whole before anything is applied.

Every problem is reported as ``SeedError`` whose message starts with the field path, e.g.
``domains[0].repositories[1].packages[0].versions[2].status: must be one of …``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ca_emulator.names import FORMATS, namespace_problem, normalize_version
from ca_emulator.protocol import validate_value
from ca_emulator.store import ORIGIN_TYPES, STATUSES

RESTRICTIONS = ("ALLOW", "BLOCK")


class SeedError(ValueError):
    """A seed document that does not follow the format; the message names the field."""

    def __init__(self, field_path: str, problem: str) -> None:
        super().__init__(f"{field_path}: {problem}")
        self.field = field_path


@dataclass(frozen=True)
class SeedVersion:
    version: str
    status: str
    published: datetime | None
    origin: str
    revision: str | None
    # (name, size) pairs; None: the format's default assets (ca_emulator.assets); () none at all.
    assets: tuple[tuple[str, int], ...] | None = None


@dataclass(frozen=True)
class SeedPackage:
    format: str
    namespace: str | None
    name: str
    origin_configuration: tuple[str, str] | None
    versions: list[SeedVersion]


@dataclass(frozen=True)
class SeedRepository:
    name: str
    description: str | None
    packages: list[SeedPackage]


@dataclass(frozen=True)
class SeedDomain:
    name: str
    repositories: list[SeedRepository]


@dataclass(frozen=True)
class Seed:
    account: str | None
    region: str | None
    domains: list[SeedDomain] = field(default_factory=list)


def read_seed_file(path: str | Path) -> dict[str, Any]:
    """Load a YAML or JSON seed file (JSON is YAML, but a .json file gets JSON's error messages)."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedError(str(source), f"cannot read: {exc.strerror or exc}") from exc
    try:
        if source.suffix.lower() == ".json":
            document = json.loads(text)
        else:
            import yaml  # only the CLI and tests read YAML seeds

            document = yaml.safe_load(text)
    except ValueError as exc:
        raise SeedError(str(source), f"not valid JSON: {exc}") from exc
    except Exception as exc:  # yaml.YAMLError, without importing yaml at module scope
        raise SeedError(str(source), f"not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise SeedError(str(source), "the document must be a mapping with a 'domains' list")
    return document


def parse_seed(document: Mapping[str, Any]) -> Seed:
    if not isinstance(document, Mapping):
        raise SeedError("(root)", "must be a mapping")
    _no_extra(document, "", {"account", "region", "domains"})
    account = _optional_str(document, "account", "")
    if account is not None:
        _model(document["account"], "AccountId", "account")
    region = _optional_str(document, "region", "")
    domains = [
        _domain(d, f"domains[{i}]") for i, d in enumerate(_list(document, "domains", "", required=True))
    ]
    return Seed(account, region, domains)


def _domain(doc: Any, path: str) -> SeedDomain:
    _mapping(doc, path)
    _no_extra(doc, path, {"name", "repositories"})
    name = _str(doc, "name", path)
    _model(name, "DomainName", f"{path}.name")
    repos = [
        _repository(r, f"{path}.repositories[{i}]") for i, r in enumerate(_list(doc, "repositories", path))
    ]
    return SeedDomain(name, repos)


def _repository(doc: Any, path: str) -> SeedRepository:
    _mapping(doc, path)
    _no_extra(doc, path, {"name", "description", "packages"})
    name = _str(doc, "name", path)
    _model(name, "RepositoryName", f"{path}.name")
    packages = [_package(p, f"{path}.packages[{i}]") for i, p in enumerate(_list(doc, "packages", path))]
    return SeedRepository(name, _optional_str(doc, "description", path), packages)


def _package(doc: Any, path: str) -> SeedPackage:
    _mapping(doc, path)
    _no_extra(doc, path, {"format", "namespace", "name", "origin_configuration", "versions"})
    fmt = _str(doc, "format", path)
    if fmt not in FORMATS:
        raise SeedError(f"{path}.format", f"must be one of {', '.join(FORMATS)}, not {fmt!r}")
    namespace = _optional_str(doc, "namespace", path)
    if namespace is not None:
        _model(namespace, "PackageNamespace", f"{path}.namespace")
    name = _str(doc, "name", path)
    _model(name, "PackageName", f"{path}.name")
    problem = namespace_problem(fmt, namespace)
    if problem is not None:
        raise SeedError(f"{path}.namespace", f"{problem} (package {name!r})")
    origin_config = None
    if doc.get("origin_configuration") is not None:
        oc = doc["origin_configuration"]
        oc_path = f"{path}.origin_configuration"
        _mapping(oc, oc_path)
        _no_extra(oc, oc_path, {"publish", "upstream"})
        halves = []
        for half in ("publish", "upstream"):
            value = _str(oc, half, oc_path)
            if value not in RESTRICTIONS:
                raise SeedError(f"{oc_path}.{half}", f"must be ALLOW or BLOCK, not {value!r}")
            halves.append(value)
        origin_config = (halves[0], halves[1])
    versions = [_version(v, f"{path}.versions[{i}]") for i, v in enumerate(_list(doc, "versions", path))]
    seen: set[str] = set()
    for i, v in enumerate(versions):
        stored = normalize_version(fmt, v.version)  # NuGet "1.0.0.0" and "1.0.0" are one version
        if stored in seen:
            raise SeedError(f"{path}.versions[{i}].version", f"{v.version!r} appears twice")
        seen.add(stored)
    return SeedPackage(fmt, namespace, name, origin_config, versions)


def _version(doc: Any, path: str) -> SeedVersion:
    if isinstance(doc, str | int | float) and not isinstance(doc, bool):
        doc = {"version": str(doc)}  # a bare version string is a Published INTERNAL version
    _mapping(doc, path)
    _no_extra(doc, path, {"version", "status", "published", "origin", "revision", "assets"})
    raw_version = doc.get("version")
    if isinstance(raw_version, int | float) and not isinstance(raw_version, bool):
        raw_version = str(raw_version)  # YAML reads 1.0 as a float
    version = _str({"version": raw_version}, "version", path)
    _model(version, "PackageVersion", f"{path}.version")
    status = doc.get("status", "Published")
    if status not in STATUSES:
        raise SeedError(f"{path}.status", f"must be one of {', '.join(STATUSES)}, not {status!r}")
    origin = doc.get("origin", "INTERNAL")
    if origin not in ORIGIN_TYPES:
        raise SeedError(f"{path}.origin", f"must be one of {', '.join(ORIGIN_TYPES)}, not {origin!r}")
    revision = _optional_str(doc, "revision", path)
    assets = _assets(doc, path) if doc.get("assets") is not None else None
    published = _time(doc.get("published"), f"{path}.published")
    return SeedVersion(version, status, published, origin, revision, assets)


def _assets(doc: Mapping[str, Any], path: str) -> tuple[tuple[str, int], ...]:
    """``assets: [{name, size}]``: what ListPackageVersionAssets reports (and dispose frees)."""
    assets: list[tuple[str, int]] = []
    seen: set[str] = set()
    for i, asset in enumerate(_list(doc, "assets", path)):
        where = f"{path}.assets[{i}]"
        _mapping(asset, where)
        _no_extra(asset, where, {"name", "size"})
        name = _str(asset, "name", where)
        _model(name, "AssetName", f"{where}.name")
        if name in seen:
            raise SeedError(f"{where}.name", f"{name!r} appears twice")
        seen.add(name)
        size = asset.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise SeedError(f"{where}.size", f"must be a non-negative integer (bytes), not {size!r}")
        assets.append((name, size))
    return tuple(assets)


def _time(value: Any, path: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise SeedError(path, f"not an ISO-8601 time: {value!r}") from None
    else:
        raise SeedError(path, f"must be an ISO-8601 time string, not {type(value).__name__}")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _mapping(doc: Any, path: str) -> None:
    if not isinstance(doc, Mapping):
        raise SeedError(path, f"must be a mapping, not {type(doc).__name__}")


def _no_extra(doc: Mapping[str, Any], path: str, allowed: set[str]) -> None:
    for key in doc:
        if key not in allowed:
            where = f"{path}.{key}" if path else str(key)
            raise SeedError(where, f"unknown field (allowed: {', '.join(sorted(allowed))})")


def _str(doc: Mapping[str, Any], key: str, path: str) -> str:
    where = f"{path}.{key}" if path else key
    value = doc.get(key)
    if value is None:
        raise SeedError(where, "is required")
    if not isinstance(value, str):
        raise SeedError(where, f"must be a string, not {type(value).__name__}")
    return value


def _optional_str(doc: Mapping[str, Any], key: str, path: str) -> str | None:
    if doc.get(key) is None:
        return None
    return _str(doc, key, path)


def _list(doc: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> list[Any]:
    where = f"{path}.{key}" if path else key
    value = doc.get(key)
    if value is None:
        if required:
            raise SeedError(where, "is required")
        return []
    if not isinstance(value, list):
        raise SeedError(where, f"must be a list, not {type(value).__name__}")
    return value


def _model(value: str, shape: str, path: str) -> None:
    problem = validate_value(shape, value, path)
    if problem:
        raise SeedError(path, problem)
