"""The decision engine: versions + policy + ledger facts + now → one decision per version.

Pure: no I/O, no clock, no randomness; iteration never depends on set or hash order, so the
same inputs always give an equal Evaluation. Cost is one parse per version, one sort, and a
constant number of linear passes per rule.
"""

from __future__ import annotations

import gc
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from fractions import Fraction
from types import MappingProxyType

from ca_lifecycle.engine.ages import as_utc, classify_older
from ca_lifecycle.engine.model import Decision, Evaluation, FactRequest
from ca_lifecycle.engine.ranking import RankedVersion, Ranking, bucket_label, bucket_of, rank_versions
from ca_lifecycle.facts import (
    LIVE_STATUSES,
    Action,
    Hold,
    OriginConfig,
    OriginType,
    PackageRef,
    Restriction,
    Status,
    UsageFacts,
    VersionFact,
)
from ca_lifecycle.policy import (
    ArchiveCondition,
    Guardrails,
    OriginLockSetting,
    PackagePolicy,
    ProtectRule,
    format_duration,
)

NO_POLICY_REASON = "no policy matches this package"
NO_ARCHIVE_REASON = "no archive rule matched"
MISSING_FACT = "missing-fact"
KEEP_AT_LEAST = "guardrail.keep_at_least"
MAX_ARCHIVE_FRACTION = "guardrail.max_archive_fraction"
DISPOSE = "dispose"
DUPLICATE_REASON = "duplicate input fact for this version: decided once, by its first fact"
HOLD = "hold"
DEFAULT_VERSION = "default-version"
DEFAULT_VERSION_REASON = (
    "the package's default version (what a plain install resolves: defaultDisplayVersion); "
    "protect_default_version: false to let rules decide it"
)
UNPARSEABLE = "unparseable"

_NO_HOLDS: Mapping[str, Hold] = MappingProxyType({})

_NO_ARCHIVE_TIMES: Mapping[str, datetime] = MappingProxyType({})

# Ages by input position: a full list (a decision pass) or only the versions being searched.
_Ages = Sequence[bool | None] | Mapping[int, bool | None]


def iso(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _versions_text(selectors: list[str]) -> str:
    return "versions: [" + ", ".join(selectors) + "]"


def _protect_text(rule: ProtectRule) -> str:
    parts: list[str] = []
    if rule.newest is not None:
        parts.append(f"newest: {rule.newest}" + (f" per {rule.per}" if rule.per else ""))
    if rule.prerelease is not None:
        parts.append(f"prerelease: {_flag(rule.prerelease)}")
    if rule.published_within is not None:
        parts.append(f"published_within: {format_duration(rule.published_within)}")
    if rule.versions is not None:
        parts.append(_versions_text(rule.versions))
    if rule.downloaded_within is not None:
        parts.append(f"downloaded_within: {format_duration(rule.downloaded_within)}")
    return ", ".join(parts)


def _archive_text(rule: ArchiveCondition) -> str:
    parts: list[str] = []
    if rule.beyond_newest is not None:
        parts.append(f"beyond_newest: {rule.beyond_newest}")
    if rule.published_before is not None:
        parts.append(f"published_before: {format_duration(rule.published_before)}")
    if rule.prerelease is not None:
        parts.append(f"prerelease: {_flag(rule.prerelease)}")
    if rule.versions is not None:
        parts.append(_versions_text(rule.versions))
    if rule.not_downloaded_for is not None:
        parts.append(f"not_downloaded_for: {format_duration(rule.not_downloaded_for)}")
    return ", ".join(parts)


class _Usage:
    """Download facts for the usage keys, and whether they may be trusted for a window.

    A missed read event makes a version look unused, so usage errs towards keeping: with no
    feed, a silent feed (longer than max_silence) or a feed younger than the rule's window
    (warm-up), ``not_downloaded_for`` selects nothing and ``downloaded_within`` keeps.
    """

    def __init__(self, usage: UsageFacts | None, now: datetime) -> None:
        self.now = now
        self.last_downloaded: Mapping[str, datetime] = usage.last_downloaded if usage else _NO_ARCHIVE_TIMES
        self.tracked_since = as_utc(usage.tracked_since) if usage and usage.tracked_since else None
        self.suspended: str | None = None
        if usage is None or self.tracked_since is None or usage.last_ingested is None:
            self.suspended = "no read events ingested yet"
        elif now - as_utc(usage.last_ingested) > usage.max_silence:
            self.suspended = (
                f"read-event ingestion silent since {iso(usage.last_ingested)} "
                f"(usage.max_silence: {format_duration(usage.max_silence)})"
            )

    def unknown(self, window: timedelta) -> str | None:
        """Why usage over ``window`` cannot be trusted now (None: it can)."""
        if self.suspended is not None:
            return self.suspended
        assert self.tracked_since is not None  # set whenever not suspended
        if self.now - self.tracked_since < window:
            return (
                f"warm-up: reads tracked since {iso(self.tracked_since)}, less than {format_duration(window)}"
            )
        return None

    def downloaded(self, version: str) -> datetime | None:
        moment = self.last_downloaded.get(version)
        return None if moment is None else as_utc(moment)


@dataclass(frozen=True, slots=True)
class _Protect:
    rule: ProtectRule
    label: str  # "protect[0]"
    text: str
    places: list[int] | None  # for `newest`: per input position, place in its group; -1 = not in a group
    age: int | None  # index of the published_within threshold
    usage_age: int | None = None  # index of the downloaded_within threshold (publish times)
    usage: _Usage | None = None


@dataclass(frozen=True, slots=True)
class _Archive:
    rule: ArchiveCondition
    label: str
    text: str
    age: int | None  # index of the published_before threshold
    usage_age: int | None = None  # index of the not_downloaded_for threshold (publish times)
    usage: _Usage | None = None


def _newest_places(rule: ProtectRule, ranking: Ranking, size: int) -> list[int]:
    """Place of each live version in its release line (``per``) or the package, highest first.

    Counts run over the full live set (Published and Unlisted, whatever other rules say),
    except that the rule's own ``prerelease`` key chooses which kind of version it counts:
    ``newest: 1, per: major, prerelease: false`` keeps the newest *release* of each major line,
    the reading a user writing it expects (protect errs towards keeping; the literal
    "top of the line, if it is a release" would leave a line unprotected whenever a
    prerelease tops it). A version whose prerelease-ness is unknown is counted. The other keys
    (``versions``, age) are ANDed onto the place afterwards.
    """
    places = [-1] * size
    wanted = rule.prerelease
    counters: dict[tuple[int, ...] | None, int] = {}
    for item in ranking.live:
        if wanted is not None and item.prerelease is not None and item.prerelease != wanted:
            continue
        bucket = bucket_of(item, rule.per) if rule.per is not None else ()
        place = counters.get(bucket, 0)
        counters[bucket] = place + 1
        places[item.index] = place
    return places


def _protect_state(protect: _Protect, item: RankedVersion, older: Sequence[_Ages]) -> bool | None:
    """Three-valued AND of the rule's keys: False as soon as a key fails, None if only age is unknown."""
    rule = protect.rule
    if protect.places is not None:
        place = protect.places[item.index]
        if place < 0 or place >= (rule.newest or 0):
            return False
    # Unknown prerelease-ness satisfies a protect rule's prerelease key: protect errs towards keeping.
    if rule.prerelease is not None and item.prerelease is not None and item.prerelease != rule.prerelease:
        return False
    if rule.versions is not None and not rule.versions_match(item.fact.version):
        return False
    if protect.usage_age is not None and protect.usage is not None:
        used = _recently_used(protect, item, older)
        # Not known to be used while the feed cannot vouch for the window: keep (a gap errs
        # towards keeping), with the reason saying so.
        if used is not True and protect.usage.unknown(rule.downloaded_within or timedelta(0)) is None:
            return used
    if protect.age is not None:
        is_older = older[protect.age][item.index]
        return None if is_older is None else not is_older
    return True


def _recently_used(protect: _Protect, item: RankedVersion, older: Sequence[_Ages]) -> bool | None:
    """Downloaded (or, never downloaded, published) within ``downloaded_within``."""
    assert protect.usage is not None
    assert protect.usage_age is not None
    assert protect.rule.downloaded_within
    downloaded = protect.usage.downloaded(item.fact.version)
    if downloaded is not None and downloaded >= protect.usage.now - protect.rule.downloaded_within:
        return True
    is_older = older[protect.usage_age][item.index]
    return None if is_older is None else not is_older


def _unused(archive: _Archive, item: RankedVersion, older: Sequence[_Ages]) -> bool | None:
    """Not downloaded for ``not_downloaded_for``; a version never downloaded counts from its
    publish time. False whenever the feed cannot vouch for the window: no archive on a gap."""
    usage, window = archive.usage, archive.rule.not_downloaded_for
    assert usage is not None
    assert archive.usage_age is not None
    assert window is not None
    if usage.unknown(window) is not None:
        return False
    downloaded = usage.downloaded(item.fact.version)
    if downloaded is not None:
        return downloaded < usage.now - window
    return older[archive.usage_age][item.index]


def _archive_state(archive: _Archive, item: RankedVersion, older: Sequence[_Ages]) -> bool | None:
    rule = archive.rule
    if rule.beyond_newest is not None and item.rank < rule.beyond_newest:
        return False
    # Unknown prerelease-ness never satisfies an archive condition: no archive on a guess.
    if rule.prerelease is not None and (item.prerelease is None or item.prerelease != rule.prerelease):
        return False
    if rule.versions is not None and not rule.versions_match(item.fact.version):
        return False
    if archive.usage_age is not None:
        unused = _unused(archive, item, older)
        if unused is not True:
            return unused
    if archive.age is not None:
        return older[archive.age][item.index]
    return True


def _age_detail(item: RankedVersion) -> str:
    if item.fact.published is not None:
        return f"published {iso(item.fact.published)}"
    return "age inferred from publish order"


def _protect_reason(protect: _Protect, item: RankedVersion) -> str:
    details: list[str] = []
    rule = protect.rule
    if rule.newest is not None and protect.places is not None:
        place = protect.places[item.index]
        among = (
            ""
            if rule.prerelease is None
            else (" among prereleases" if rule.prerelease else " among releases")
        )
        where = "" if rule.per is None else f" in {bucket_label(bucket_of(item, rule.per), rule.per)}"
        details.append(f"rank {place}{among}{where}")
    elif rule.prerelease is not None and item.prerelease is not None:
        details.append("a prerelease" if item.prerelease else "a release")
    if protect.age is not None:
        details.append(_age_detail(item))
    if protect.usage is not None and rule.downloaded_within is not None:
        details.append(_usage_detail(protect.usage, item, rule.downloaded_within, keeping=True))
    suffix = f" ({'; '.join(details)})" if details else ""
    return f"{protect.label} {protect.text}{suffix}"


def _usage_detail(usage: _Usage, item: RankedVersion, window: timedelta, *, keeping: bool) -> str:
    downloaded = usage.downloaded(item.fact.version)
    if keeping and (downloaded is None or downloaded < usage.now - window):
        why = usage.unknown(window)
        if why is not None:
            return f"usage unknown ({why}): kept until the feed can vouch for {format_duration(window)}"
    if downloaded is not None:
        return f"downloaded {iso(downloaded)[:10]}"
    return "never downloaded; " + _age_detail(item)


def _archive_reason(archive: _Archive, item: RankedVersion) -> str:
    details: list[str] = []
    if archive.rule.beyond_newest is not None:
        details.append(f"rank {item.rank}")
    if archive.age is not None:
        details.append(_age_detail(item))
    if archive.usage is not None and archive.rule.not_downloaded_for is not None:
        details.append(_usage_detail(archive.usage, item, archive.rule.not_downloaded_for, keeping=False))
    suffix = f" ({'; '.join(details)})" if details else ""
    return f"{archive.label} {archive.text}{suffix}"


def _unparseable_note(item: RankedVersion, scheme: str | None) -> str:
    if not item.unparseable:
        return ""
    return f"; unparseable version for {scheme}: ordered by publish time, below every parseable version"


@dataclass(slots=True)
class _Verdict:
    """A live version's outcome before guardrails."""

    action: Action
    reason: str
    rule: str | None
    waits_for: tuple[int, ...] = ()  # thresholds whose classification would settle a missing fact


def hold_reason(hold: Hold) -> str:
    until = "until removed" if hold.until is None else f"until {iso(hold.until)}"
    return f"held {until}: {hold.reason}"


def _held(item: RankedVersion, holds: Mapping[str, Hold], now: datetime) -> _Verdict | None:
    """An active hold keeps the version before any rule: a person asked for it."""
    hold = holds.get(item.fact.version)
    if hold is not None and hold.active(now):
        return _Verdict(Action.KEEP, hold_reason(hold), HOLD)
    return None


def _keep_default(verdict: _Verdict, item: RankedVersion, default_version: str | None) -> _Verdict:
    """The default version is kept when nothing else keeps it; a protect rule that does keeps
    its own reason (it is the rule that decided), and a missing publish time is still asked
    for, so that rule can be named."""
    if default_version is None or item.fact.version != default_version:
        return verdict
    if verdict.action is Action.KEEP or verdict.rule == MISSING_FACT:
        return verdict
    return _Verdict(Action.KEEP, DEFAULT_VERSION_REASON, DEFAULT_VERSION)


def _judge(
    item: RankedVersion,
    protects: list[_Protect],
    archives: list[_Archive],
    older: Sequence[_Ages],
    *,
    rank_unparseable: bool,
    scheme: str | None,
    explain: bool = True,
) -> _Verdict:
    """``explain=False`` leaves the reasons of decided verdicts empty (the age search needs
    only what an undecided verdict waits for); the control flow is the same either way."""
    pending_protect: list[_Protect] = []
    for protect in protects:
        state = _protect_state(protect, item, older)
        if state is True:
            return _Verdict(Action.KEEP, _protect_reason(protect, item) if explain else "", protect.label)
        if state is None:
            pending_protect.append(protect)
    pending_archive: list[_Archive] = []
    hit: _Archive | None = None
    # A rank rule holding for a version whose rank is a guess (below every parseable version: an
    # unparseable true newest, a "nightly-3" build, would be the first archived) does not count;
    # another condition, an age for instance, still may.
    rank_blocked: _Archive | None = None
    for archive in archives:
        state = _archive_state(archive, item, older)
        if (
            state is True
            and archive.rule.beyond_newest is not None
            and item.unparseable
            and not rank_unparseable
        ):
            rank_blocked = rank_blocked or archive
            continue
        if state is True:
            hit = archive
            break
        if state is None:
            pending_archive.append(archive)
    if hit is None and not pending_archive:
        if rank_blocked is not None and not pending_protect:
            reason = (
                f"{rank_blocked.label} {rank_blocked.text} would archive it, but it does not parse as "
                f"a {scheme} version, so its rank is unknown (archive_unparseable: true to allow)"
            )
            return _Verdict(Action.SKIP, reason if explain else "", UNPARSEABLE)
        if rank_blocked is None:
            if not explain:
                return _Verdict(Action.KEEP, "", None)
            # Kept whatever the undetermined protect rules would say: no age fact is needed.
            undecided = "; ".join(f"{p.label} {p.text}" for p in pending_protect)
            reason = f"{NO_ARCHIVE_REASON} ({undecided}: left undecided)" if undecided else NO_ARCHIVE_REASON
            return _Verdict(Action.KEEP, reason, None)
    if hit is not None and not pending_protect:
        return _Verdict(Action.ARCHIVE, _archive_reason(hit, item) if explain else "", hit.label)
    # Only a publish time can settle it: ask for the thresholds of the undetermined rules.
    waiting: list[str] = [f"{p.label} {p.text}" for p in pending_protect]
    thresholds = [t for p in pending_protect for t in (p.age, p.usage_age) if t is not None]
    if hit is None:
        waiting.extend(f"{a.label} {a.text}" for a in pending_archive)
        thresholds.extend(t for a in pending_archive for t in (a.age, a.usage_age) if t is not None)
    reason = "publish time unknown: needed to decide " + "; ".join(waiting) if explain else ""
    return _Verdict(Action.SKIP, reason, MISSING_FACT, tuple(sorted(set(thresholds))))


def _apply_guardrails(
    live: list[RankedVersion], verdicts: dict[int, _Verdict], guardrails: Guardrails, recent_archives: int
) -> None:
    """Turn archives beyond the guardrails into skips, dropping the highest-ranked first.

    keep_at_least: live count after this evaluation's archives never drops below it.
    max_archive_fraction: at most floor(fraction * (live + recent)) archives within the rolling
    archive_window, ``recent_archives`` of them already made (a package of 1 live version under
    0.5 archives nothing). Counting the window matters: each archive emits a CodeArtifact event
    that re-evaluates the package, and a per-evaluation cap would cascade to the policy's full
    wish within seconds. Both guardrails leave the lowest-ranked archives.
    """
    candidates = [item for item in reversed(live) if verdicts[item.index].action is Action.ARCHIVE]
    if not candidates:
        return
    live_count = len(live)
    keep_room = max(0, live_count - guardrails.keep_at_least)
    # Decimal text of the float, so 0.29 * 100 is exactly 29, not 28.999….
    allowed = int(Fraction(str(guardrails.max_archive_fraction)) * (live_count + recent_archives))
    fraction_room = max(0, allowed - recent_archives)
    for position, item in enumerate(candidates):
        verdict = verdicts[item.index]
        if position >= keep_room:
            label = f"guardrail keep_at_least: {guardrails.keep_at_least}"
            rule = KEEP_AT_LEAST
        elif position >= fraction_room:
            label = f"guardrail max_archive_fraction: {guardrails.max_archive_fraction}"
            if recent_archives:
                window = format_duration(guardrails.archive_window)
                label += f" per {window}, {recent_archives} archived in the last {window}"
            rule = MAX_ARCHIVE_FRACTION
        else:
            continue
        verdicts[item.index] = _Verdict(Action.SKIP, f"{label} (would archive by {verdict.reason})", rule)


def _dispose_decision(
    item: RankedVersion,
    policy: PackagePolicy,
    now: datetime,
    archived_at: Mapping[str, datetime],
    notices: Mapping[str, datetime] = _NO_ARCHIVE_TIMES,
) -> tuple[Action, str, str | None, bool, datetime | None]:
    """(action, reason, rule, record first-seen, due) for a non-live version."""
    status = item.fact.status
    if status is not Status.ARCHIVED:
        return Action.NONE, f"not live ({status.value})", None, False, None
    if policy.dispose is None:
        return Action.NONE, "Archived, and the policy has no dispose rule", None, False, None
    wait = policy.dispose.archived_for
    rule_text = f"dispose archived_for: {format_duration(wait)}"
    since = archived_at.get(item.fact.version)
    if since is None:
        # No status-change time exists in CodeArtifact: start the clock now, never dispose on a guess.
        return (
            Action.KEEP,
            f"archive time unknown: first seen now, clock starts ({rule_text})",
            DISPOSE,
            True,
            None,
        )
    since = as_utc(since)
    due = since + wait
    notice = policy.dispose.notice
    if notice is not None:
        notice_text = f"notice: {format_duration(notice)}"
        noticed = notices.get(item.fact.version)
        if noticed is None:
            # Disposal is irreversible: owners hear of it in a delivered digest first.
            due = max(due, now + notice)
            return (
                Action.KEEP,
                f"not yet announced: {rule_text}, {notice_text} needs a delivered notice at least "
                f"{format_duration(notice)} before disposal (archived {iso(since)}; disposable from "
                f"{iso(due)} at the earliest if announced now)",
                DISPOSE,
                False,
                due,
            )
        noticed = as_utc(noticed)
        due = max(due, noticed + notice)
        rule_text = f"{rule_text}, {notice_text}"
        if now >= due:
            return (
                Action.DISPOSE,
                f"{rule_text} (archived {iso(since)}; announced {iso(noticed)})",
                DISPOSE,
                False,
                due,
            )
        return (
            Action.KEEP,
            f"{rule_text}: disposable from {iso(due)} (archived {iso(since)}; announced {iso(noticed)})",
            DISPOSE,
            False,
            due,
        )
    if now - since >= wait:
        return Action.DISPOSE, f"{rule_text} (archived {iso(since)})", DISPOSE, False, due
    return (
        Action.KEEP,
        f"{rule_text}: disposable from {iso(due)} (archived {iso(since)})",
        DISPOSE,
        False,
        due,
    )


def _guard_dispose(
    item: RankedVersion, protects: list[_Protect], older: Sequence[_Ages], dispose_reason: str
) -> _Verdict | None:
    """A verdict replacing a due disposal when a protect rule holds (or might: age unknown)."""
    pending: list[_Protect] = []
    for protect in protects:
        state = _protect_state(protect, item, older)
        if state is True:
            return _Verdict(
                Action.KEEP,
                f"{_protect_reason(protect, item)}; not disposed ({dispose_reason})",
                protect.label,
            )
        if state is None:
            pending.append(protect)
    if not pending:
        return None
    waiting = "; ".join(f"{p.label} {p.text}" for p in pending)
    thresholds = tuple(sorted({t for p in pending for t in (p.age, p.usage_age) if t is not None}))
    return _Verdict(
        Action.SKIP,
        f"publish time unknown: needed to decide {waiting} before disposing ({dispose_reason})",
        MISSING_FACT,
        thresholds,
    )


def _origin_target(policy: PackagePolicy, versions: Sequence[VersionFact]) -> tuple[OriginConfig | None, str]:
    lock = policy.origin_lock
    if isinstance(lock, OriginLockSetting):
        target = OriginConfig(publish=Restriction(lock.publish), upstream=Restriction(lock.upstream))
        return target, f"origin_lock: publish={target.publish.value}, upstream={target.upstream.value}"
    if lock == "off":
        return None, "origin_lock: off"
    origins = {fact.origin_type for fact in versions if fact.status is not Status.DELETED}
    internal = OriginType.INTERNAL in origins
    external = OriginType.EXTERNAL in origins
    if internal and external:
        return None, "origin_lock auto: versions are both INTERNAL and EXTERNAL, left alone"
    if internal:
        return (
            OriginConfig(publish=Restriction.ALLOW, upstream=Restriction.BLOCK),
            "origin_lock auto: versions are INTERNAL (published here): publish=ALLOW, upstream=BLOCK",
        )
    if external:
        return (
            OriginConfig(publish=Restriction.BLOCK, upstream=Restriction.ALLOW),
            "origin_lock auto: versions are EXTERNAL (from upstream): publish=BLOCK, upstream=ALLOW",
        )
    return None, "origin_lock auto: no version with a known origin, left alone"


def _suspension_note(policy: PackagePolicy, usage: _Usage | None) -> str:
    """Said on every live decision while an archive usage condition cannot select (warm-up,
    silence, no feed): the archive it would have made is not made, and the reader knows why."""
    if usage is None:
        return ""
    notes = [
        f"archive[{i}] not_downloaded_for suspended: {why}"
        for i, rule in enumerate(policy.archive)
        if rule.not_downloaded_for is not None and (why := usage.unknown(rule.not_downloaded_for)) is not None
    ]
    return "; " + "; ".join(notes) if notes else ""


def _split_duplicates(versions: Sequence[VersionFact]) -> tuple[Sequence[VersionFact], list[VersionFact]]:
    """(first fact per version string, the repeats). A package never lists a version twice, but
    overlapping pages could: counted twice, a repeat would inflate ranks and live counts (two
    copies of the only version pass keep_at_least: 1) and get the version archived."""
    seen: set[str] = set()
    unique: list[VersionFact] = []
    repeats: list[VersionFact] = []
    for fact in versions:
        (repeats if fact.version in seen else unique).append(fact)
        seen.add(fact.version)
    return (unique if repeats else versions), repeats


def _no_policy(
    package: PackageRef, versions: Sequence[VersionFact], current_origin: OriginConfig | None
) -> Evaluation:
    # Without a policy there is no ordering: newest published first, live before the rest.
    ordered = sorted(
        range(len(versions)),
        key=lambda i: (
            versions[i].status not in LIVE_STATUSES,
            versions[i].publish_order,
            versions[i].version,
            i,
        ),
    )
    decisions = tuple(
        Decision(
            version=versions[i].version,
            status=versions[i].status,
            action=Action.NONE,
            reason=NO_POLICY_REASON,
            rule=None,
            revision=versions[i].revision,
        )
        for i in ordered
    )
    return Evaluation(
        package=package,
        policy_id=None,
        decisions=decisions,
        origin_target=None,
        needs=None,
        record_archived=(),
        origin_reason=NO_POLICY_REASON,
        current_origin=current_origin,
    )


@contextmanager
def paused_gc() -> Iterator[None]:
    """Cyclic GC off while the engine runs, as it was afterwards.

    An evaluation allocates a few container objects per version (ranked versions, verdicts,
    decisions) that all live until it returns and form no reference cycles, so each collection
    their allocation triggers rescans a growing heap and frees nothing: 45-55 % of the time at
    100,000 versions. Reference counting still frees everything; the collector resumes when the
    engine returns. A caller that turned GC off itself finds it off.
    """
    enabled = gc.isenabled()
    if enabled:
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(slots=True)
class _Threshold:
    """One age threshold's classification state (``classify_older``, kept incrementally)."""

    at: datetime
    newest_old: int | None = None  # smallest order with a known time < at
    oldest_new: int | None = None  # largest order with a known time >= at

    def add(self, order: int, published: datetime) -> None:
        if as_utc(published) < self.at:
            if self.newest_old is None or order < self.newest_old:
                self.newest_old = order
        elif self.oldest_new is None or order > self.oldest_new:
            self.oldest_new = order

    def older(self, fact: VersionFact) -> bool | None:
        """Exactly ``classify_older``'s answer for ``fact``."""
        if fact.published is not None:
            return as_utc(fact.published) < self.at
        order = fact.publish_order
        if self.oldest_new is not None and order < self.oldest_new:
            return False
        if self.newest_old is not None and order > self.newest_old:
            return True
        return None


def _fact_request(waiting: Mapping[int, list[RankedVersion]]) -> FactRequest | None:
    """Binary search: the publish-order median of the versions still waiting on each threshold."""
    requested: dict[str, None] = {}
    for threshold in sorted(waiting):
        pending = sorted(
            waiting[threshold], key=lambda it: (it.fact.publish_order, it.fact.version, it.index)
        )
        requested.setdefault(pending[len(pending) // 2].fact.version, None)
    return FactRequest(versions=tuple(requested)) if requested else None


class PreparedEvaluation:
    """One package's facts ranked once; publish times may be learnt before deciding.

    ``evaluate(...)`` is ``prepare(...).evaluation()``. A caller that describes versions for
    their publish times (the FactRequest loop) asks ``needs()`` and ``learn()``s the answers.
    ``needs()`` judges only the versions whose age is still undetermined (a range that halves
    each round), without building reasons, so a binary search of k rounds costs one ranking,
    k shrinking passes and one full decision pass instead of k + 1 evaluations. At every point
    ``needs()`` equals ``evaluation().needs``.
    """

    def __init__(  # noqa: PLR0917 - evaluate's inputs, passed through in order
        self,
        package: PackageRef,
        versions: Sequence[VersionFact],
        policy: PackagePolicy | None,
        guardrails: Guardrails,
        now: datetime,
        archived_at: Mapping[str, datetime],
        current_origin: OriginConfig | None,
        archived_by_us: Collection[str],
        holds: Mapping[str, Hold],
        default_version: str | None,
        notices: Mapping[str, datetime] = _NO_ARCHIVE_TIMES,
        usage: UsageFacts | None = None,
    ) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware (UTC)")
        self.package = package
        self.policy = policy
        self.guardrails = guardrails
        self.now = now
        self.archived_at = archived_at
        self.current_origin = current_origin
        self.archived_by_us = archived_by_us
        self.holds = holds
        self.notices = notices
        self._usage_note = ""
        self._facts = list(versions)
        self._duplicates: list[VersionFact] = []
        self._items: dict[str, RankedVersion] = {}
        self._thresholds: list[_Threshold] = []
        self._durations: list[timedelta] = []
        self._protects: list[_Protect] = []
        self._archives: list[_Archive] = []
        self._unknown: list[RankedVersion] = []  # no publish time at preparation, by publish order
        self._unknown_orders: list[int] = []
        if policy is None:
            return
        unique, self._duplicates = _split_duplicates(versions)
        self._facts = list(unique)
        ranking = rank_versions(self._facts, package.format, policy.ordering)
        self._ranking = ranking
        size = len(self._facts)
        # One classification per distinct age duration, in duration order (deterministic).
        self._durations = sorted(
            {rule.published_within for rule in policy.protect if rule.published_within is not None}
            | {rule.published_before for rule in policy.archive if rule.published_before is not None}
            | {rule.downloaded_within for rule in policy.protect if rule.downloaded_within is not None}
            | {rule.not_downloaded_for for rule in policy.archive if rule.not_downloaded_for is not None}
        )
        usage_view = _Usage(usage, now) if policy.uses_usage else None
        self._usage_note = _suspension_note(policy, usage_view)
        threshold_of: dict[timedelta, int] = {duration: i for i, duration in enumerate(self._durations)}
        self._protects = [
            _Protect(
                rule=rule,
                label=f"protect[{i}]",
                text=_protect_text(rule),
                places=_newest_places(rule, ranking, size) if rule.newest is not None else None,
                age=threshold_of[rule.published_within] if rule.published_within is not None else None,
                usage_age=threshold_of[rule.downloaded_within]
                if rule.downloaded_within is not None
                else None,
                usage=usage_view,
            )
            for i, rule in enumerate(policy.protect)
        ]
        self._archives = [
            _Archive(
                rule=rule,
                label=f"archive[{i}]",
                text=_archive_text(rule),
                age=threshold_of[rule.published_before] if rule.published_before is not None else None,
                usage_age=threshold_of[rule.not_downloaded_for]
                if rule.not_downloaded_for is not None
                else None,
                usage=usage_view,
            )
            for i, rule in enumerate(policy.archive)
        ]
        self._default = default_version if policy.protect_default_version else None
        if self._durations:
            self._items = {item.fact.version: item for item in (*ranking.live, *ranking.other)}
            self._reset_thresholds()
            self._unknown = sorted(
                (item for item in self._items.values() if item.fact.published is None),
                key=lambda it: it.fact.publish_order,
            )
            self._unknown_orders = [item.fact.publish_order for item in self._unknown]

    def _reset_thresholds(self) -> None:
        self._thresholds = [_Threshold(self.now - duration) for duration in self._durations]
        for fact in self._facts:
            if fact.published is not None:
                for threshold in self._thresholds:
                    threshold.add(fact.publish_order, fact.published)

    def learn(self, version: str, published: datetime) -> None:
        """A publish time found since preparation (a DescribePackageVersion answer)."""
        item = self._items.get(version)
        if item is None:
            # No age rule, or not a listed version: no decision reads it.
            self._facts = [
                replace(f, published=published) if f.version == version else f for f in self._facts
            ]
            return
        had_time = item.fact.published is not None
        item.fact = replace(item.fact, published=published)
        self._facts[item.index] = item.fact
        if had_time:
            self._reset_thresholds()  # a time changed, not added: bounds may loosen
        else:
            for threshold in self._thresholds:
                threshold.add(item.fact.publish_order, published)

    def needs(self) -> FactRequest | None:
        """What ``evaluation().needs`` would be, judging only versions of undetermined age."""
        if self.policy is None or not self._thresholds:
            return None
        with paused_gc():
            return self._search(self.policy)

    def _search(self, policy: PackagePolicy) -> FactRequest | None:
        # Only a version of unknown time inside some threshold's undetermined order range can
        # wait on it: everything else is classified whatever its rules say.
        low = min((t.oldest_new for t in self._thresholds if t.oldest_new is not None), default=None)
        high = max((t.newest_old for t in self._thresholds if t.newest_old is not None), default=None)
        if any(t.oldest_new is None for t in self._thresholds):
            low = None
        if any(t.newest_old is None for t in self._thresholds):
            high = None
        start = 0 if low is None else bisect_left(self._unknown_orders, low)
        stop = len(self._unknown) if high is None else bisect_right(self._unknown_orders, high)
        older: list[dict[int, bool | None]] = [{} for _ in self._thresholds]
        candidates: list[RankedVersion] = []
        for item in self._unknown[start:stop]:
            ages = [threshold.older(item.fact) for threshold in self._thresholds]
            if all(age is not None for age in ages):
                continue
            for k, age in enumerate(ages):
                older[k][item.index] = age
            candidates.append(item)
        waiting: dict[int, list[RankedVersion]] = {}
        for item in candidates:
            if _held(item, self.holds, self.now) is not None:
                continue
            if item.live:
                waits = _judge(
                    item,
                    self._protects,
                    self._archives,
                    older,
                    rank_unparseable=policy.archive_unparseable,
                    scheme=self._ranking.scheme,
                    explain=False,
                ).waits_for
            else:
                action, reason, _, _, _ = _dispose_decision(
                    item, policy, self.now, self.archived_at, self.notices
                )
                guarded = (
                    _guard_dispose(item, self._protects, older, reason) if action is Action.DISPOSE else None
                )
                waits = () if guarded is None else guarded.waits_for
            for threshold in waits:
                if older[threshold][item.index] is None:
                    waiting.setdefault(threshold, []).append(item)
        return _fact_request(waiting)

    def evaluation(self) -> Evaluation:
        """Decide every version with the publish times known now."""
        with paused_gc():
            if self.policy is None:
                return _no_policy(self.package, self._facts, self.current_origin)
            return self._decide(self.policy)

    def _decide(self, policy: PackagePolicy) -> Evaluation:
        now, holds, ranking, versions = self.now, self.holds, self._ranking, self._facts
        archived_at, archived_by_us = self.archived_at, self.archived_by_us
        protects, archives = self._protects, self._archives
        older = [classify_older(versions, now - duration) for duration in self._durations]
        verdicts = {
            item.index: _held(item, holds, now)
            or _keep_default(
                _judge(
                    item,
                    protects,
                    archives,
                    older,
                    rank_unparseable=policy.archive_unparseable,
                    scheme=ranking.scheme,
                ),
                item,
                self._default,
            )
            for item in ranking.live
        }
        window_start = now - self.guardrails.archive_window
        recent_archives = sum(
            1
            for fact in versions
            if fact.status in (Status.ARCHIVED, Status.DISPOSED)
            and fact.version in archived_by_us
            and fact.version in archived_at
            and as_utc(archived_at[fact.version]) > window_start
        )
        _apply_guardrails(ranking.live, verdicts, self.guardrails, recent_archives)

        decisions: list[Decision] = []
        waiting: dict[int, list[RankedVersion]] = {}
        for item in ranking.live:
            verdict = verdicts[item.index]
            for threshold in verdict.waits_for:
                if older[threshold][item.index] is None:
                    waiting.setdefault(threshold, []).append(item)
            decisions.append(
                Decision(
                    version=item.fact.version,
                    status=item.fact.status,
                    action=verdict.action,
                    reason=verdict.reason + _unparseable_note(item, ranking.scheme) + self._usage_note,
                    rule=verdict.rule,
                    revision=item.fact.revision,
                )
            )
        record: list[str] = []
        for item in ranking.other:
            action, reason, rule, first_seen, due = _dispose_decision(
                item, policy, now, archived_at, self.notices
            )
            if first_seen:
                record.append(item.fact.version)
            pinned = _held(item, holds, now) if action is Action.DISPOSE else None
            if pinned is not None:
                action, reason, rule = pinned.action, f"{pinned.reason}; not disposed ({reason})", pinned.rule
            elif action is Action.DISPOSE:
                # Disposal is irreversible, and "any protect match keeps the version, whatever else
                # says": a versions/published_within pin holds an Archived version too (newest counts
                # live versions only, so it never matches here).
                guarded = _guard_dispose(item, protects, older, reason)
                if guarded is not None:
                    action, reason, rule = guarded.action, guarded.reason, guarded.rule
                    for threshold in guarded.waits_for:
                        waiting.setdefault(threshold, []).append(item)
            decisions.append(
                Decision(
                    version=item.fact.version,
                    status=item.fact.status,
                    action=action,
                    reason=reason + _unparseable_note(item, ranking.scheme),
                    rule=rule,
                    revision=item.fact.revision,
                    # Only while the dispose rule itself decides: a hold or protect has no date.
                    due=due if rule == DISPOSE else None,
                )
            )

        decisions.extend(
            Decision(
                version=fact.version,
                status=fact.status,
                action=Action.NONE,
                reason=DUPLICATE_REASON,
                rule=None,
                revision=fact.revision,
            )
            for fact in self._duplicates
        )

        target, origin_reason = _origin_target(policy, versions)
        return Evaluation(
            package=self.package,
            policy_id=policy.id,
            decisions=tuple(decisions),
            origin_target=target,
            needs=_fact_request(waiting),
            record_archived=tuple(record),
            origin_reason=origin_reason,
            current_origin=self.current_origin,
            usage_suspended=self._usage_note.removeprefix("; ") or None,
        )


def prepare(  # noqa: PLR0917 - evaluate's signature
    package: PackageRef,
    versions: Sequence[VersionFact],
    policy: PackagePolicy | None,
    guardrails: Guardrails,
    now: datetime,
    archived_at: Mapping[str, datetime] = _NO_ARCHIVE_TIMES,
    current_origin: OriginConfig | None = None,
    *,
    archived_by_us: Collection[str] = (),
    holds: Mapping[str, Hold] = _NO_HOLDS,
    default_version: str | None = None,
    notices: Mapping[str, datetime] = _NO_ARCHIVE_TIMES,
    usage: UsageFacts | None = None,
) -> PreparedEvaluation:
    """``evaluate``'s inputs ranked once, for a caller that learns publish times before deciding."""
    with paused_gc():
        return PreparedEvaluation(
            package,
            versions,
            policy,
            guardrails,
            now,
            archived_at,
            current_origin,
            archived_by_us,
            holds,
            default_version,
            notices,
            usage,
        )


def evaluate(  # noqa: PLR0917 - the first five are positional in every caller and test
    package: PackageRef,
    versions: Sequence[VersionFact],
    policy: PackagePolicy | None,
    guardrails: Guardrails,
    now: datetime,
    archived_at: Mapping[str, datetime] = _NO_ARCHIVE_TIMES,
    current_origin: OriginConfig | None = None,
    *,
    archived_by_us: Collection[str] = (),
    holds: Mapping[str, Hold] = _NO_HOLDS,
    default_version: str | None = None,
    notices: Mapping[str, datetime] = _NO_ARCHIVE_TIMES,
    usage: UsageFacts | None = None,
) -> Evaluation:
    """Decide every version of one package. See DESIGN.md, "The policy language (v1)".

    ``archived_by_us``: versions whose ledger archive time is one of our own archives (not a
    first sighting); those inside ``guardrails.archive_window`` count against max_archive_fraction.
    ``holds``: versions a person (or a restore the engine noticed) asked to keep; an active hold
    keeps a live version and stops a disposal. ``default_version``: the package's
    defaultDisplayVersion, kept unless the policy says ``protect_default_version: false``.
    ``notices``: when each Archived version first appeared in a delivered notice (digest); under
    ``dispose.notice`` a version is disposed only ``notice`` after that, and never without one.
    ``usage``: download facts for ``downloaded_within`` / ``not_downloaded_for`` (None: no feed,
    so usage rules are suspended: archive selects nothing, protect keeps).
    """
    with paused_gc():
        return prepare(
            package,
            versions,
            policy,
            guardrails,
            now,
            archived_at,
            current_origin,
            archived_by_us=archived_by_us,
            holds=holds,
            default_version=default_version,
            notices=notices,
            usage=usage,
        ).evaluation()
