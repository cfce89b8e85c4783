"""NuGet version ordering (``NuGetVersion.TryParse`` with ``VersionComparer.Default``), for nuget.

Parsing follows NuGet.Versioning's ``NuGetVersionFactory`` rather than a regex, because its
rules are positional: the text is trimmed; the first ``-`` or ``+`` ends the numeric part;
up to four numbers, each at most 2,147,483,647 (``int``), missing ones meaning zero
(``1.0 == 1.0.0 == 1.0.0.0``), leading zeros and blanks around a number tolerated
(``1.01`` is ``1.1``, ``1 .2`` is ``1.2``); prerelease labels are ``[0-9A-Za-z-]`` with no
leading zero in an all-digit label (``-02`` is refused); metadata is checked, then ignored.

Labels compare as in SemVer 2.0.0 but case-insensitively; a label is numeric when .NET's
``int.TryParse`` accepts it (so ``-1`` is the number -1, and ``2147483648`` is text).
"""

from __future__ import annotations

import re

from ca_lifecycle.versions._base import InvalidVersion, ParsedVersion, check_length

_INT_MAX = 2_147_483_647
_INT_MIN = -2_147_483_648
_LABEL = re.compile(r"[0-9A-Za-z-]+")
_INT_LABEL = re.compile(r"-?[0-9]+")
_DIGITS = "0123456789"


def _number_section(text: str, start: int) -> tuple[int, int] | None:
    """``ParseSection``: (value, next position), or None when the section is invalid."""
    n = len(text)
    if start == n:
        return 0, start
    end = start
    while end < n and text[end].isspace():
        end += 1
    if end < n and text[end] not in _DIGITS:
        return None
    value = 0
    found = done = False
    while end < n:
        char = text[end]
        if char in _DIGITS:
            found = True
            value = value * 10 + ord(char) - 48
            if value > _INT_MAX:
                return None
        elif char == ".":
            end += 1
            if end == n:
                return None  # the text ends with "."
            done = True
            break
        elif char.isspace():
            break
        else:
            return None
        end += 1
    if not found:
        return None
    if end == n:
        done = True
    if not done:
        while end < n:
            char = text[end]
            if not char.isspace():
                if char != ".":
                    return None
                end += 1
                if end == n:
                    return None
                break
            end += 1
    return value, end


def _numbers(text: str) -> tuple[int, int, int, int] | None:
    if not text or text.isspace():
        return None
    parts: list[int] = []
    position = 0
    for _ in range(4):
        section = _number_section(text, position)
        if section is None:
            return None
        value, position = section
        parts.append(value)
    if position != len(text):
        return None  # a fifth number, or junk after the fourth
    return parts[0], parts[1], parts[2], parts[3]


def _valid_part(part: str, allow_leading_zeros: bool) -> bool:
    if not _LABEL.fullmatch(part):
        return False
    return allow_leading_zeros or not (len(part) > 1 and part[0] == "0" and part.isdigit())


def _labels_key(labels: list[str]) -> tuple[object, ...]:
    """Flat: ``0`` (below a release's ``1``), then a tag and a value per label."""
    items: list[object] = [0]
    for label in labels:
        if _INT_LABEL.fullmatch(label):
            number = int(label)
            if _INT_MIN <= number <= _INT_MAX:
                items += (0, number)
                continue
        # OrdinalIgnoreCase compares upper-cased characters.
        items += (1, label.upper())
    return tuple(items)


def _sections_of(value: str) -> tuple[str, list[str] | None, str | None]:
    """``ParseSections``: numeric part, labels, metadata (None where absent).

    Kept literal, quirks included: a trailing ``-`` or ``+`` stays in the part before it (so
    ``1.4.7-`` fails on the numbers), and a second ``+`` stays in the metadata.
    """
    version: str | None = None
    labels: list[str] | None = None
    metadata: str | None = None
    dash = plus = -1
    last = len(value) - 1
    for i, char in enumerate(value):
        end = i == last
        if dash < 0:
            if end or char in "-+":
                version = value[: i + (1 if end else 0)]
                dash = i
                if char == "+":
                    plus = i
        elif plus < 0:
            if end or char == "+":
                labels = value[dash + 1 : i + (1 if end else 0)].split(".")
                plus = i
        elif end:
            metadata = value[plus + 1 : i + 1]
    return version or "", labels, metadata


def parse(text: str) -> ParsedVersion:
    check_length(text)
    value = text.strip()
    version, labels, metadata = _sections_of(value)
    numbers = _numbers(version)
    if numbers is None:
        raise InvalidVersion(f"not a NuGet version: {text!r}")
    if labels is not None and not all(_valid_part(label, False) for label in labels):
        raise InvalidVersion(f"not a NuGet version (prerelease label): {text!r}")
    if metadata is not None and not all(_valid_part(part, True) for part in metadata.split(".")):
        raise InvalidVersion(f"not a NuGet version (metadata): {text!r}")
    key = (*numbers, 1) if labels is None else numbers + _labels_key(labels)
    return ParsedVersion(key=key, prerelease=labels is not None, release=numbers)
