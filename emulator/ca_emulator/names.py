"""Package-name normalization and ARNs, as CodeArtifact applies them per format."""

from __future__ import annotations

import re

FORMATS = ("npm", "pypi", "maven", "nuget", "generic", "ruby", "swift", "cargo")

_PYPI_SEPARATORS = re.compile(r"[-_.]+")

# The service model's ``namespace`` documentation: "The namespace is required when requesting
# packages of the following formats: Maven, Swift, generic" and "Python, NuGet, Ruby, and Cargo
# package versions do not contain a corresponding component ... do not have a namespace".
# npm's scope is optional.
NAMESPACE_REQUIRED = frozenset({"maven", "swift", "generic"})
NAMESPACE_FORBIDDEN = frozenset({"pypi", "nuget", "ruby", "cargo"})

# Formats whose names CodeArtifact stores case-insensitively (lowercased).
_LOWERCASE_FORMATS = frozenset({"nuget", "swift"})


def normalize_name(fmt: str, name: str) -> str:
    """The name as CodeArtifact stores and returns it.

    pypi follows PEP 503 (lowercase, runs of ``-_.`` become one ``-``); nuget and swift are
    case-insensitive and stored lowercase; every other format keeps the name as given.
    """
    if fmt == "pypi":
        return _PYPI_SEPARATORS.sub("-", name).lower()
    if fmt in _LOWERCASE_FORMATS:
        return name.lower()
    return name


def normalize_version(fmt: str, version: str) -> str:
    """The version as CodeArtifact stores it: only NuGet versions are normalized.

    User guide, "NuGet package name, version, and asset name normalization": leading zeroes
    go (``1.01.1`` -> ``1.1.1``), a zero fourth part goes (``1.0.0.0`` -> ``1.0.0``) and SemVer
    build metadata goes (``1.0.7+r3456`` -> ``1.0.7``). No padding: ``1.00`` -> ``1.0``.
    Non-numeric parts are left as given (NuGet would reject them at publish time).
    """
    if fmt != "nuget":
        return version
    release, dash, label = version.split("+", 1)[0].partition("-")
    parts = [str(int(part)) if part.isascii() and part.isdigit() else part for part in release.split(".")]
    if len(parts) == 4 and parts[3] == "0":
        parts.pop()
    return ".".join(parts) + dash + label


def is_request_name_accepted(fmt: str, name: str) -> bool:
    """Whether CodeArtifact finds a stored package when a request gives ``name``.

    NuGet and Swift requests may use non-normalized names (the service normalizes the input);
    PyPI requests must use the normalized name ("Python package name normalization": "the
    normalized name must be used in CodeArtifact CLI or API requests ... and in ARNs").
    """
    return fmt != "pypi" or normalize_name(fmt, name) == name


def namespace_problem(fmt: str, namespace: str | None) -> str | None:
    """Why ``namespace`` cannot name a package of ``fmt`` (None when it can)."""
    if fmt in NAMESPACE_REQUIRED and not namespace:
        return f"a namespace is required for {fmt} packages"
    if fmt in NAMESPACE_FORBIDDEN and namespace:
        return f"{fmt} packages have no namespace, but namespace {namespace!r} was given"
    return None


def normalize_namespace(fmt: str, namespace: str | None) -> str | None:
    """Swift scopes are case-insensitive like its names; an empty namespace means none."""
    if not namespace:
        return None
    if fmt == "swift":
        return namespace.lower()
    return namespace


def package_arn(  # noqa: PLR0917 - the ARN's parts, in ARN order
    region: str, account: str, domain: str, repository: str, fmt: str, namespace: str | None, name: str
) -> str:
    """``arn:aws:codeartifact:REGION:ACCOUNT:package/DOMAIN/REPO/FORMAT/NAMESPACE/NAME``.

    A package without namespace has an empty segment: ``…/npm//name``.
    """
    path = f"{domain}/{repository}/{fmt}/{namespace or ''}/{name}"
    return f"arn:aws:codeartifact:{region}:{account}:package/{path}"


def domain_arn(region: str, account: str, domain: str) -> str:
    return f"arn:aws:codeartifact:{region}:{account}:domain/{domain}"


def repository_arn(region: str, account: str, domain: str, repository: str) -> str:
    return f"arn:aws:codeartifact:{region}:{account}:repository/{domain}/{repository}"


def display_name(fmt: str, namespace: str | None, name: str) -> str:
    """How DescribePackageVersion shows a name: npm scopes as ``@scope/name``, others bare."""
    if fmt == "npm" and namespace:
        return f"@{namespace}/{name}"
    return name
