"""SemVer 2.0.0 precedence (https://semver.org/#spec-item-11), used for npm, cargo and swift.

Parsing is node-semver's loose mode (``new SemVer(v, {loose: true})``): the text is trimmed,
any leading ``v``/``=``/blanks are dropped, numbers may have leading zeros and the ``-`` before
a prerelease may be missing (``v1.2.3``, ``=1.2.3``, ``1.2.3beta``). It is a superset of strict
SemVer, which is what npm publish, cargo and SwiftPM store, so a stored version is never
refused; a loose-only spelling orders exactly as npm orders it (``v1.2.3`` is ``1.2.3``).
Numbers above 2**53 - 1 are refused, as node-semver refuses them.
"""

from __future__ import annotations

import re

from ca_lifecycle.versions._base import InvalidVersion, ParsedVersion, check_length

# node-semver's LOOSE pattern, with [0-9] for \d (JavaScript's \d is ASCII-only).
_IDENT = r"(?:[0-9]*[a-zA-Z-][a-zA-Z0-9-]*|[0-9]+)"
_SEMVER = re.compile(
    r"[v=\s]*([0-9]+)\.([0-9]+)\.([0-9]+)"
    rf"(?:-?({_IDENT}(?:\.{_IDENT})*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)
_MAX_SAFE_INTEGER = 2**53 - 1


def prerelease_key(identifiers: list[str], *, fold_case: bool = False) -> tuple[object, ...]:
    """Key for dot-separated prerelease identifiers (spec item 11.4), flat: one tuple.

    Numeric identifiers compare as numbers and rank below alphanumeric ones; a longer list
    wins when all shared identifiers are equal, which is exactly tuple ordering. Each item is
    a tag then its value, ``0, int`` or ``1, str``, so an int never meets a str; the leading
    ``0`` ranks every prerelease below the release's ``1`` (spec item 11.3).
    """
    items: list[object] = [0]
    for ident in identifiers:
        if ident.isdigit():
            items += (0, int(ident))
        else:
            items += (1, ident.lower() if fold_case else ident)
    return tuple(items)


def parse(text: str) -> ParsedVersion:
    check_length(text)
    match = _SEMVER.fullmatch(text.strip())
    if match is None:
        raise InvalidVersion(f"not a SemVer version: {text!r}")
    major, minor, patch, pre, _build = match.groups()
    release = (int(major), int(minor), int(patch))
    if max(release) > _MAX_SAFE_INTEGER:
        raise InvalidVersion(f"not a SemVer version (number above 2**53 - 1): {text!r}")
    # Build metadata is parsed (so it must be well-formed) but never affects precedence. One
    # flat key tuple per version: fewer objects for the allocator and the cyclic GC.
    key = (*release, 1) if pre is None else release + prerelease_key(pre.split("."))
    return ParsedVersion(key=key, prerelease=pre is not None, release=release)
