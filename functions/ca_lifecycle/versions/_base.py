"""Types shared by every version scheme (kept apart from ``__init__`` to avoid import cycles)."""

from __future__ import annotations

from dataclasses import dataclass

# CodeArtifact caps a version string at 255 characters; the cap also keeps int() far from
# Python's 4300-digit conversion limit, so a hostile version cannot raise something unexpected.
MAX_VERSION_LENGTH = 255


# The name is part of the package interface (it mirrors packaging.version.InvalidVersion).
class InvalidVersion(ValueError):  # noqa: N818
    """The text is not a valid version in the requested scheme."""


@dataclass(frozen=True, slots=True)
class ParsedVersion:
    """A version reduced to what the engine needs.

    ``key`` totally orders versions of one scheme. It is one flat tuple of ints and strs (no
    nested tuples: one object per key), arranged so that any two keys of the same scheme
    compare without TypeError.
    ``release`` is the leading numeric part, padded with zeros to at least three items, for
    ``per: major`` (``release[:1]``) and ``per: minor`` (``release[:2]``) grouping.
    """

    key: tuple[object, ...]
    prerelease: bool
    release: tuple[int, ...]


def pad_release(numbers: tuple[int, ...]) -> tuple[int, ...]:
    """Pad to three items so ``release[:2]`` is always a full (major, minor) pair."""
    if len(numbers) >= 3:
        return numbers
    return numbers + (0,) * (3 - len(numbers))


def check_length(text: str) -> None:
    if not text:
        raise InvalidVersion("empty version")
    if len(text) > MAX_VERSION_LENGTH:
        raise InvalidVersion(f"version longer than {MAX_VERSION_LENGTH} characters")
