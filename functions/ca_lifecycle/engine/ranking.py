"""Rank a package's versions by the policy's ordering, highest version first.

Every version string is parsed once. Rule for versions the scheme cannot parse (documented in
each such decision's reason): they rank below every parseable version, among themselves by
publish order (newest first), so one odd tag never blocks or reorders the rest.
Ties (equal keys, e.g. semver build metadata) and ``ordering: published`` go by publish
order; the version string and input position settle anything left, so the order is total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ca_lifecycle.facts import LIVE_STATUSES, VersionFact
from ca_lifecycle.policy import Ordering
from ca_lifecycle.versions import InvalidVersion, ParsedVersion, parse_version, scheme_for


@dataclass(slots=True)
class RankedVersion:
    """One input version with what the engine derives from its string."""

    index: int  # position in the caller's sequence
    fact: VersionFact
    live: bool
    unparseable: bool  # the ranking scheme exists but could not parse this string
    prerelease: bool | None  # None: unknown (no scheme for the format, or unparseable)
    release: tuple[int, ...] | None  # numeric release part; None when unknown
    rank: int = -1  # position among live versions, 0 = highest; -1 when not live


@dataclass(frozen=True, slots=True)
class Ranking:
    scheme: str | None  # the ranking scheme; None = publish order
    live: list[RankedVersion]  # highest first
    other: list[RankedVersion]  # non-live, same order


def _parse(scheme: str | None, text: str) -> ParsedVersion | None:
    if scheme is None:
        return None
    try:
        return parse_version(scheme, text)
    except (InvalidVersion, ValueError):
        return None


def _publish_key(item: RankedVersion) -> tuple[int, str, int]:
    return (item.fact.publish_order, item.fact.version, item.index)


def rank_versions(versions: Sequence[VersionFact], fmt: str, ordering: Ordering) -> Ranking:
    scheme = scheme_for(fmt, ordering)
    # `ordering: published` still needs the format's scheme for prerelease and per: major/minor.
    attribute_scheme = scheme if scheme is not None else scheme_for(fmt, Ordering.AUTO)
    parsed_items: list[tuple[RankedVersion, ParsedVersion]] = []
    unordered: list[RankedVersion] = []  # ordered by publish time: no scheme, or unparseable
    for index, fact in enumerate(versions):
        parsed = _parse(attribute_scheme, fact.version)
        item = RankedVersion(
            index=index,
            fact=fact,
            live=fact.status in LIVE_STATUSES,
            unparseable=scheme is not None and parsed is None,
            prerelease=parsed.prerelease if parsed is not None else None,
            release=tuple(parsed.release) if parsed is not None else None,
        )
        if scheme is not None and parsed is not None:
            parsed_items.append((item, parsed))
        else:
            unordered.append(item)
    # Two stable sorts: publish order ascending first, then key descending keeps ties by publish order.
    parsed_items.sort(key=lambda pair: _publish_key(pair[0]))
    parsed_items.sort(key=lambda pair: pair[1].key, reverse=True)
    unordered.sort(key=_publish_key)
    ordered = [item for item, _ in parsed_items]
    ordered.extend(unordered)
    live = [item for item in ordered if item.live]
    for rank, item in enumerate(live):
        item.rank = rank
    return Ranking(scheme=scheme, live=live, other=[item for item in ordered if not item.live])


def bucket_of(item: RankedVersion, per: str) -> tuple[int, ...] | None:
    """The release line for ``per: major|minor``; None groups every version of unknown release."""
    if item.release is None:
        return None
    width = 1 if per == "major" else 2
    head = item.release[:width]
    # "2" and "2.0" are the same line: pad missing components with zeros.
    return head + (0,) * (width - len(head))


def bucket_label(bucket: tuple[int, ...] | None, per: str) -> str:
    if bucket is None:
        return "versions without a release number"
    return f"{per} {'.'.join(str(part) for part in bucket)}"
