"""SemVer 2.0.0 precedence (https://semver.org/#spec-item-11), used for npm, cargo and swift.

Only strict SemVer is accepted: no leading ``v`` or ``=``, no leading zeros in numeric parts.
npm refuses to publish anything else, so a looser parse would only hide bad data.
"""

from __future__ import annotations

import re

from ca_lifecycle.versions._base import InvalidVersion, ParsedVersion, check_length

# The regex suggested by semver.org, with [0-9] instead of \d so non-ASCII digits never match.
_SEMVER = re.compile(
    r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(?:-((?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)"
    r"(?:\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)

# A release outranks every prerelease of the same x.y.z (spec item 11.3).
_RELEASE: tuple[object, ...] = (1,)


def prerelease_key(identifiers: list[str], *, fold_case: bool = False) -> tuple[object, ...]:
    """Key for dot-separated prerelease identifiers (spec item 11.4).

    Numeric identifiers compare as numbers and rank below alphanumeric ones; a longer list
    wins when all shared identifiers are equal, which is exactly tuple ordering. Each item is
    tagged ``(0, int)`` or ``(1, str)`` so an int never meets a str.
    """
    items: list[tuple[int, object]] = []
    for ident in identifiers:
        if ident.isdigit():
            items.append((0, int(ident)))
        else:
            items.append((1, ident.lower() if fold_case else ident))
    return (0, *items)


def parse(text: str) -> ParsedVersion:
    check_length(text)
    match = _SEMVER.fullmatch(text)
    if match is None:
        raise InvalidVersion(f"not a SemVer 2.0.0 version: {text!r}")
    major, minor, patch, pre, _build = match.groups()
    release = (int(major), int(minor), int(patch))
    # Build metadata is parsed (so it must be well-formed) but never affects precedence.
    pre_key = _RELEASE if pre is None else prerelease_key(pre.split("."))
    return ParsedVersion(key=(*release, pre_key), prerelease=pre is not None, release=release)
