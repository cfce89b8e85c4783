"""NuGet version ordering (``NuGetVersion`` with ``VersionComparer.Default``), for nuget.

Up to four numeric parts with missing parts meaning zero (``1.0 == 1.0.0 == 1.0.0.0``),
SemVer 2.0.0 prerelease labels compared case-insensitively, build metadata ignored. Like
NuGet, leading zeros in numbers are tolerated (``1.01`` is ``1.1``): NuGet normalizes them
away on push, but a version may have been written before normalization existed.
"""

from __future__ import annotations

import re

from ca_lifecycle.versions._base import InvalidVersion, ParsedVersion, check_length
from ca_lifecycle.versions.semver import prerelease_key

_NUGET = re.compile(
    r"([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:\.([0-9]+))?"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)
_RELEASE: tuple[object, ...] = (1,)


def parse(text: str) -> ParsedVersion:
    check_length(text)
    match = _NUGET.fullmatch(text)
    if match is None:
        raise InvalidVersion(f"not a NuGet version: {text!r}")
    major, minor, patch, revision, label, _metadata = match.groups()
    release = (int(major), int(minor or 0), int(patch or 0), int(revision or 0))
    pre_key = _RELEASE if label is None else prerelease_key(label.split("."), fold_case=True)
    return ParsedVersion(key=(*release, pre_key), prerelease=label is not None, release=release)
