"""RubyGems ``Gem::Version`` ordering, for the ruby format.

A version is cut into numbers and letter runs (``-`` reads as ``.pre.``); any letter makes it
a prerelease, and a letter segment sorts before every number, so ``1.0.a < 1.0.b1 < 1.0``.
Missing segments compare as ``0`` and trailing zeros of the numeric and of the letter part are
dropped first (``Gem::Version#canonical_segments``), so ``1.0 == 1.0.0``.

Key: comparing against an endless tail of zeros is not plain tuple order, so each segment is
fused with the run of zeros before it. A letter segment ``s`` after ``k`` zeros becomes
``(0, k, s)`` (more zeros first means a zero faces the letters later, so it sorts higher), a
number ``p > 0`` after ``k`` zeros becomes ``(2, -k, p)``, and the end is ``1``: below any
further number, above any further letters, exactly like the implicit zeros. The groups are
written one after another into one flat tuple.
"""

from __future__ import annotations

import re

from ca_lifecycle.versions._base import MAX_VERSION_LENGTH, InvalidVersion, ParsedVersion, pad_release

# Gem::Version::ANCHORED_VERSION_PATTERN without its empty case (a blank version is "0", below).
# re.ASCII: Ruby's \s is ASCII whitespace only.
_GEM = re.compile(r"\s*([0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)\s*", re.ASCII)
_RUBY_BLANKS = " \t\r\n\f\v"
_SEGMENT = re.compile(r"[0-9]+|[a-zA-Z]+")
_END = 1


def _trim_zeros(segments: list[int | str]) -> list[int | str]:
    end = len(segments)
    while end and segments[end - 1] == 0:
        end -= 1
    return segments[:end]


def parse(text: str) -> ParsedVersion:
    if len(text) > MAX_VERSION_LENGTH:
        raise InvalidVersion(f"version longer than {MAX_VERSION_LENGTH} characters")
    # Gem::Version.new("") and ("   ") are version 0, so a blank version is not refused.
    match = _GEM.fullmatch(text if text.strip(_RUBY_BLANKS) else "0")
    if match is None:
        raise InvalidVersion(f"not a RubyGems version: {text!r}")
    version = match[1].replace("-", ".pre.")
    segments: list[int | str] = [int(s) if s.isdigit() else s for s in _SEGMENT.findall(version)]

    first_letters = next((i for i, s in enumerate(segments) if isinstance(s, str)), len(segments))
    numeric = segments[:first_letters]
    canonical = _trim_zeros(numeric) + _trim_zeros(segments[first_letters:])

    # Flat: each segment's three items in a row (every group starts with its tag and has a
    # fixed length, so flat tuple order is group-by-group order), then the end tag.
    key: list[object] = []
    zeros = 0
    for segment in canonical:
        if segment == 0:
            zeros += 1
            continue
        key += (0, zeros, segment) if isinstance(segment, str) else (2, -zeros, segment)
        zeros = 0
    key.append(_END)

    release = tuple(s for s in numeric if isinstance(s, int))
    return ParsedVersion(
        key=tuple(key),
        prerelease=first_letters < len(segments),
        release=pad_release(release),
    )
