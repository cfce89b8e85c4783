"""Which versions are older than an age threshold, from the few publish times known.

ListPackageVersions gives publish order for free (0 = newest) while each exact time costs a
DescribePackageVersion, so the engine classifies by monotonicity: a known time older than
the threshold at order i makes every order > i older; a known time at or after it at order i
makes every order < i newer (strictly: an equal order proves nothing). What stays
undetermined is one contiguous order range, which the caller shrinks by describing its
midpoint (a binary search).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from ca_lifecycle.facts import VersionFact


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC; naive datetimes are taken as UTC so a sloppy edge cannot crash
    a comparison. Converting (not just tagging) keeps reasons' ``...Z`` times true for any offset."""
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def classify_older(versions: Sequence[VersionFact], threshold: datetime) -> list[bool | None]:
    """Per input position: True = published before ``threshold``, False = at or after, None = unknown."""
    newest_old = None  # smallest order with a known time < threshold
    oldest_new = None  # largest order with a known time >= threshold
    for fact in versions:
        if fact.published is None:
            continue
        order = fact.publish_order
        if as_utc(fact.published) < threshold:
            if newest_old is None or order < newest_old:
                newest_old = order
        elif oldest_new is None or order > oldest_new:
            oldest_new = order
    result: list[bool | None] = []
    for fact in versions:
        if fact.published is not None:
            result.append(as_utc(fact.published) < threshold)
            continue
        order = fact.publish_order
        # Strict: a version sharing a publish order with a known one is not ordered against it
        # (a tie, or a caller that numbered two versions alike), so its age stays undetermined.
        if oldest_new is not None and order < oldest_new:
            # Also covers inconsistent input (both bounds claim it): "newer" is the safe side,
            # it protects under published_within and never archives under published_before.
            result.append(False)
        elif newest_old is not None and order > newest_old:
            result.append(True)
        else:
            result.append(None)
    return result
