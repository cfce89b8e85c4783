"""Format-aware version ordering: one small module per scheme, one entry point.

``scheme_for`` picks the scheme from a policy's ``ordering`` and the package format;
``parse_version`` turns a version string into a ``ParsedVersion`` whose ``key`` orders
versions of that scheme. ``None`` from ``scheme_for`` means "order by publish time".
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from ca_lifecycle.versions import maven, nuget, pep440, ruby, semver
from ca_lifecycle.versions._base import InvalidVersion, ParsedVersion

__all__ = ["SCHEMES", "InvalidVersion", "ParsedVersion", "parse_version", "scheme_for"]

SCHEMES = ("semver", "pep440", "maven", "nuget", "ruby")

_PARSERS: dict[str, Callable[[str], ParsedVersion]] = {
    "semver": semver.parse,
    "pep440": pep440.parse,
    "maven": maven.parse,
    "nuget": nuget.parse,
    "ruby": ruby.parse,
}

# CodeArtifact package formats and the scheme their registry orders by. generic (and any
# format added later) has no version grammar, so it orders by publish time.
_AUTO: dict[str, str] = {
    "npm": "semver",
    "cargo": "semver",
    "swift": "semver",
    "pypi": "pep440",
    "maven": "maven",
    "nuget": "nuget",
    "ruby": "ruby",
}

_PUBLISHED = "published"
_SCHEME_NAMES = {scheme: scheme for scheme in SCHEMES}


def scheme_for(package_format: str, ordering: str) -> str | None:
    """The scheme to rank ``package_format`` versions by under ``ordering``, or None.

    ``ordering`` is the policy's value: ``auto`` picks by format, a scheme name forces that
    scheme, ``published`` (or ``auto`` on a format without a grammar) gives None.
    """
    if ordering == "auto":
        return _AUTO.get(package_format.lower())
    if ordering == _PUBLISHED:
        return None
    # Return our own constant: callers may pass a str subclass (the policy's StrEnum), and the
    # result is a parse_version cache key and is logged, where a plain "semver" is wanted.
    scheme = _SCHEME_NAMES.get(ordering)
    if scheme is not None:
        return scheme
    raise ValueError(f"unknown version ordering {ordering!r}; expected auto, published or one of {SCHEMES}")


# A sweep re-evaluates the same packages again and again; the cache makes repeats free.
# Invalid versions are not cached (exceptions never are), which only costs on bad data.
@lru_cache(maxsize=65536)
def parse_version(scheme: str, text: str) -> ParsedVersion:
    """Parse ``text`` under ``scheme``; raises InvalidVersion (a ValueError) when it is not valid."""
    parser = _PARSERS.get(scheme)
    if parser is None:
        raise ValueError(f"unknown version scheme {scheme!r}; expected one of {SCHEMES}")
    return parser(text)
