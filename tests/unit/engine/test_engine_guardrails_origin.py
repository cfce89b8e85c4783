"""Guardrails (keep_at_least, max_archive_fraction) and the origin-lock target."""

from __future__ import annotations

from datetime import timedelta

import pytest
from ca_lifecycle.facts import Action, OriginConfig, OriginType, Restriction, Status
from engine_builders import NOW, by_version, fact, facts, guardrails, policy, run

FIVE = ["5.0.0", "4.0.0", "3.0.0", "2.0.0", "1.0.0"]
ARCHIVE_ALL = {"archive": [{"beyond_newest": 0}]}


class TestKeepAtLeast:
    def test_drops_the_archives_of_the_highest_ranked_candidates(self) -> None:
        # Given: every version is an archive candidate, keep_at_least 2
        ev = run(facts(FIVE), policy(**ARCHIVE_ALL), rails=guardrails(keep_at_least=2))
        # Then: the lowest-ranked three are archived, the two highest are skipped
        assert by_version(ev) == {
            "5.0.0": ("skip", "guardrail.keep_at_least"),
            "4.0.0": ("skip", "guardrail.keep_at_least"),
            "3.0.0": ("archive", "archive[0]"),
            "2.0.0": ("archive", "archive[0]"),
            "1.0.0": ("archive", "archive[0]"),
        }
        reason = next(d.reason for d in ev.decisions if d.version == "5.0.0")
        assert reason == "guardrail keep_at_least: 2 (would archive by archive[0] beyond_newest: 0 (rank 0))"

    def test_counts_protected_versions_as_live(self) -> None:
        pol = policy(protect=[{"newest": 1}], archive=[{"beyond_newest": 1}])
        ev = run(facts(FIVE), pol, rails=guardrails(keep_at_least=2))
        assert [d.version for d in ev.actions(Action.ARCHIVE)] == ["3.0.0", "2.0.0", "1.0.0"]

    def test_below_the_floor_already_archives_nothing(self) -> None:
        ev = run(facts(FIVE[:2]), policy(**ARCHIVE_ALL), rails=guardrails(keep_at_least=3))
        assert [d.action for d in ev.decisions] == [Action.SKIP, Action.SKIP]


class TestMaxArchiveFraction:
    @pytest.mark.parametrize(
        ("fraction", "live", "archived"),
        [
            (0.5, 5, 2),  # floor(2.5)
            (0.5, 1, 0),  # strict floor: a single live version is never archived at 0.5
            (0.29, 100, 29),  # decimal arithmetic: not 28 from 28.999…
            (1.0, 4, 4),
            (0.1, 9, 0),
        ],
    )
    def test_allows_floor_of_fraction_times_live_count(
        self, fraction: float, live: int, archived: int
    ) -> None:
        versions = facts(f"{n}.0.0" for n in range(live, 0, -1))
        ev = run(versions, policy(**ARCHIVE_ALL), rails=guardrails(max_archive_fraction=fraction))
        assert len(ev.actions(Action.ARCHIVE)) == archived
        assert all(d.rule == "guardrail.max_archive_fraction" for d in ev.actions(Action.SKIP))

    def test_our_archives_within_the_window_count_against_the_cap(self) -> None:
        # Given: 10 versions, 5 of them archived by us 2 hours ago (the first pass at 0.5),
        # and the 5 live ones still archive candidates
        versions = [
            fact(f"{n}.0.0", order, Status.ARCHIVED if n <= 5 else Status.PUBLISHED)
            for order, n in enumerate(range(10, 0, -1))
        ]
        archived = {f.version for f in versions if f.status is Status.ARCHIVED}
        times = dict.fromkeys(archived, NOW - timedelta(hours=2))
        rails = guardrails(max_archive_fraction=0.5)
        # When: the re-evaluation that our own archive events trigger runs
        ev = run(
            versions,
            policy(**ARCHIVE_ALL),
            rails=rails,
            archived_at=times,
            archived_by_us=frozenset(archived),
        )
        # Then: floor(0.5 * 10) = 5 were already used inside the window: nothing more
        assert ev.actions(Action.ARCHIVE) == []
        assert {d.rule for d in ev.actions(Action.SKIP)} == {"guardrail.max_archive_fraction"}
        assert "5 archived in the last 1d" in ev.actions(Action.SKIP)[0].reason
        # And: once the window has passed, the cap applies afresh to the live set
        later = run(
            versions,
            policy(**ARCHIVE_ALL),
            rails=rails,
            archived_at=times,
            archived_by_us=frozenset(archived),
            now=NOW + timedelta(days=1),
        )
        assert len(later.actions(Action.ARCHIVE)) == 2  # floor(0.5 * 5 live)
        # And: versions first seen Archived (not ours) do not count against the cap
        seen = run(versions, policy(**ARCHIVE_ALL), rails=rails, archived_at=times)
        assert len(seen.actions(Action.ARCHIVE)) == 2

    def test_archives_the_lowest_ranked_first(self) -> None:
        ev = run(facts(FIVE), policy(**ARCHIVE_ALL), rails=guardrails(max_archive_fraction=0.4))
        assert [d.version for d in ev.actions(Action.ARCHIVE)] == ["2.0.0", "1.0.0"]
        skipped = next(d for d in ev.decisions if d.version == "3.0.0")
        assert skipped.reason.startswith("guardrail max_archive_fraction: 0.4 (would archive by archive[0]")

    def test_the_tighter_guardrail_is_named(self) -> None:
        # Room: keep_at_least 4 leaves 1 archive, fraction 0.5 leaves 2: keep_at_least binds first
        ev = run(
            facts(FIVE), policy(**ARCHIVE_ALL), rails=guardrails(keep_at_least=4, max_archive_fraction=0.5)
        )
        assert [d.rule for d in ev.decisions] == ["guardrail.keep_at_least"] * 4 + ["archive[0]"]
        # Room: keep_at_least 1 leaves 4, fraction 0.4 leaves 2
        ev = run(
            facts(FIVE), policy(**ARCHIVE_ALL), rails=guardrails(keep_at_least=1, max_archive_fraction=0.4)
        )
        assert [d.rule for d in ev.decisions] == [
            "guardrail.keep_at_least",
            "guardrail.max_archive_fraction",
            "guardrail.max_archive_fraction",
            "archive[0]",
            "archive[0]",
        ]

    def test_guardrails_never_stop_a_dispose(self) -> None:
        versions = [fact("1.0.0", 0, Status.ARCHIVED)]
        pol = policy(dispose={"archived_for": "1d"})
        from datetime import timedelta

        from engine_builders import NOW

        ev = run(
            versions, pol, rails=guardrails(keep_at_least=5), archived_at={"1.0.0": NOW - timedelta(days=2)}
        )
        assert by_version(ev) == {"1.0.0": ("dispose", "dispose")}


INTERNAL_TARGET = OriginConfig(publish=Restriction.ALLOW, upstream=Restriction.BLOCK)
EXTERNAL_TARGET = OriginConfig(publish=Restriction.BLOCK, upstream=Restriction.ALLOW)


class TestOriginLock:
    @pytest.mark.parametrize(
        ("origins", "target", "reason_part"),
        [
            ([OriginType.INTERNAL, OriginType.INTERNAL], INTERNAL_TARGET, "INTERNAL"),
            ([OriginType.INTERNAL, OriginType.UNKNOWN], INTERNAL_TARGET, "INTERNAL"),
            ([OriginType.EXTERNAL], EXTERNAL_TARGET, "EXTERNAL"),
            ([OriginType.EXTERNAL, OriginType.INTERNAL], None, "both INTERNAL and EXTERNAL"),
            ([OriginType.UNKNOWN], None, "no version with a known origin"),
            ([], None, "no version with a known origin"),
        ],
    )
    def test_auto_infers_the_target_from_origin_types(
        self, origins: list[OriginType], target: OriginConfig | None, reason_part: str
    ) -> None:
        versions = [fact(f"{i}.0.0", i, origin=origin) for i, origin in enumerate(origins)]
        ev = run(versions, policy(origin_lock="auto"))
        assert ev.origin_target == target
        assert reason_part in ev.origin_reason

    def test_auto_ignores_deleted_versions_but_counts_archived_ones(self) -> None:
        versions = [
            fact("2.0.0", 0, Status.DELETED, origin=OriginType.EXTERNAL),
            fact("1.0.0", 1, Status.ARCHIVED, origin=OriginType.INTERNAL),
        ]
        assert run(versions, policy(origin_lock="auto")).origin_target == INTERNAL_TARGET

    def test_off_leaves_the_origin_alone(self) -> None:
        ev = run(facts(["1.0.0"]), policy(origin_lock="off"))
        assert ev.origin_target is None
        assert ev.origin_reason == "origin_lock: off"
        assert ev.origin_change_needed is False

    def test_explicit_setting_is_the_target_whatever_the_origins(self) -> None:
        versions = [fact("1.0.0", 0, origin=OriginType.INTERNAL)]
        ev = run(versions, policy(origin_lock={"publish": "BLOCK", "upstream": "BLOCK"}))
        assert ev.origin_target == OriginConfig(publish=Restriction.BLOCK, upstream=Restriction.BLOCK)
        assert ev.origin_reason == "origin_lock: publish=BLOCK, upstream=BLOCK"

    def test_change_needed_compares_with_the_current_setting(self) -> None:
        from ca_lifecycle.engine import evaluate
        from engine_builders import NOW, package

        versions = facts(["1.0.0"])
        pol = policy(origin_lock="auto")
        same = evaluate(package(), versions, pol, guardrails(), NOW, current_origin=INTERNAL_TARGET)
        differs = evaluate(package(), versions, pol, guardrails(), NOW, current_origin=EXTERNAL_TARGET)
        unknown = evaluate(package(), versions, pol, guardrails(), NOW)
        assert same.origin_target == INTERNAL_TARGET
        assert same.origin_change_needed is False
        assert differs.origin_change_needed is True
        assert unknown.origin_change_needed is True
