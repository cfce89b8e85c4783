"""Assertions shared by the version-scheme tests (imported by module name: rootdir-relative)."""

from __future__ import annotations

from itertools import pairwise

from ca_lifecycle.versions import parse_version


def key(scheme: str, text: str) -> tuple[object, ...]:
    return parse_version(scheme, text).key


def assert_strictly_ascending(scheme: str, versions: list[str]) -> None:
    """Every version must sort strictly after the one before it, and the order must be total."""
    for lower, higher in pairwise(versions):
        assert key(scheme, lower) < key(scheme, higher), f"expected {lower} < {higher} ({scheme})"
    # Sorting a shuffled copy must give the table back: no ties, no TypeError between keys.
    shuffled = list(reversed(versions))
    assert sorted(shuffled, key=lambda text: key(scheme, text)) == versions


def assert_equal(scheme: str, versions: list[str]) -> None:
    first = key(scheme, versions[0])
    for other in versions[1:]:
        assert key(scheme, other) == first, f"expected {versions[0]} == {other} ({scheme})"


def sign(value: int) -> int:
    return (value > 0) - (value < 0)


def key_cmp(left: tuple[object, ...], right: tuple[object, ...]) -> int:
    return (left > right) - (left < right)
