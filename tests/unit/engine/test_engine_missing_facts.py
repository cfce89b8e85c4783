"""The missing-fact protocol: no age-based action on a guess, and a binary search for the rest."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from ca_lifecycle.engine import Evaluation, evaluate
from ca_lifecycle.facts import Action, Status, VersionFact
from ca_lifecycle.policy import PackagePolicy
from engine_builders import NOW, by_version, fact, facts, guardrails, package, policy, reason_of


def run(versions: Sequence[VersionFact], pol: PackagePolicy) -> Evaluation:
    return evaluate(package(), versions, pol, guardrails(), NOW)


class TestUndeterminedAges:
    def test_unknown_ages_are_skipped_and_the_midpoint_is_requested(self) -> None:
        # Given: five versions, no publish time known, one age rule
        ev = run(
            facts(["5.0.0", "4.0.0", "3.0.0", "2.0.0", "1.0.0"]),
            policy(archive=[{"published_before": "30d"}]),
        )
        # Then: nothing is archived on a guess; the middle of the publish order is asked for
        assert {d.action for d in ev.decisions} == {Action.SKIP}
        assert {d.rule for d in ev.decisions} == {"missing-fact"}
        assert (
            ev.decisions[0].reason
            == "publish time unknown: needed to decide archive[0] published_before: 30d"
        )
        assert ev.needs is not None
        assert ev.needs.versions == ("3.0.0",)

    def test_one_known_time_classifies_the_versions_beyond_it(self) -> None:
        # Given: 3.0.0 (order 2) is known to be 40 days old
        versions = facts(["5.0.0", "4.0.0", "3.0.0", "2.0.0", "1.0.0"])
        versions[2] = dataclasses.replace(versions[2], published=NOW - timedelta(days=40))
        ev = run(versions, policy(archive=[{"published_before": "30d"}]))
        # Then: it and every older-published version are archived; the two newer ones wait
        assert by_version(ev) == {
            "5.0.0": ("skip", "missing-fact"),
            "4.0.0": ("skip", "missing-fact"),
            "3.0.0": ("archive", "archive[0]"),
            "2.0.0": ("archive", "archive[0]"),
            "1.0.0": ("archive", "archive[0]"),
        }
        assert "age inferred from publish order" in next(
            d.reason for d in ev.decisions if d.version == "1.0.0"
        )
        assert ev.needs is not None
        assert ev.needs.versions == ("4.0.0",)  # median of orders 0 and 1

    def test_a_known_recent_time_settles_every_newer_version(self) -> None:
        versions = facts(["3.0.0", "2.0.0", "1.0.0"])
        versions[2] = dataclasses.replace(versions[2], published=NOW - timedelta(days=1))
        ev = run(versions, policy(archive=[{"published_before": "30d"}]))
        assert {d.action for d in ev.decisions} == {Action.KEEP}
        assert ev.needs is None

    def test_versions_protected_by_newest_need_no_age(self) -> None:
        pol = policy(protect=[{"newest": 3}], archive=[{"published_before": "30d"}])
        ev = run(facts(["3.0.0", "2.0.0", "1.0.0"]), pol)
        assert {d.action for d in ev.decisions} == {Action.KEEP}
        assert ev.needs is None

    def test_only_versions_whose_other_keys_hold_need_an_age(self) -> None:
        # prerelease AND published_before: releases are decided without any publish time
        pol = policy(archive=[{"prerelease": True, "published_before": "14d"}])
        ev = run(facts(["2.0.0", "2.0.0-rc.1", "1.0.0", "1.0.0-rc.1"]), pol)
        assert by_version(ev) == {
            "2.0.0": ("keep", None),
            "2.0.0-rc.1": ("skip", "missing-fact"),
            "1.0.0": ("keep", None),
            "1.0.0-rc.1": ("skip", "missing-fact"),
        }
        assert ev.needs is not None
        assert ev.needs.versions == ("1.0.0-rc.1",)  # median of publish orders 1 and 3

    def test_an_undetermined_published_within_blocks_archiving(self) -> None:
        pol = policy(protect=[{"published_within": "7d"}], archive=[{"beyond_newest": 1}])
        ev = run(facts(["3.0.0", "2.0.0", "1.0.0"]), pol)
        assert by_version(ev) == {
            "3.0.0": ("keep", None),  # no archive condition holds: its age cannot matter
            "2.0.0": ("skip", "missing-fact"),
            "1.0.0": ("skip", "missing-fact"),
        }
        assert "protect[0] published_within: 7d" in next(  # as the policy spells it
            d.reason for d in ev.decisions if d.version == "2.0.0"
        )
        assert ev.needs is not None
        assert ev.needs.versions == ("1.0.0",)

    def test_thresholds_sharing_a_range_share_one_describe(self) -> None:
        pol = policy(
            protect=[{"published_within": "7d"}],
            archive=[{"published_before": "90d"}, {"prerelease": False, "published_before": "90d"}],
        )
        ev = run(facts([f"1.0.{n}" for n in range(9, -1, -1)]), pol)
        assert all(d.action is Action.SKIP for d in ev.decisions)
        assert ev.needs is not None
        assert ev.needs.versions == ("1.0.4",)  # the median of orders 0..9 serves 7d and 90d alike

    def test_one_request_per_distinct_threshold(self) -> None:
        # Given: 1.0.7 (order 2) is 10 days old: older than 7d, newer than 90d
        versions = facts([f"1.0.{n}" for n in range(9, -1, -1)])
        versions[2] = dataclasses.replace(versions[2], published=NOW - timedelta(days=10))
        pol = policy(
            protect=[{"published_within": "7d"}],
            archive=[{"published_before": "90d"}, {"beyond_newest": 0, "versions": ["1.0.9"]}],
        )
        # When
        ev = run(versions, pol)
        # Then: 7d is open for orders 0-1 (only 1.0.9 can be archived there), 90d for orders 3-9
        assert by_version(ev)["1.0.8"] == ("keep", None)
        assert by_version(ev)["1.0.9"] == ("skip", "missing-fact")
        assert ev.needs is not None
        assert ev.needs.versions == ("1.0.9", "1.0.3")


class TestOddPublishTimes:
    def test_contradicting_known_times_resolve_to_the_safe_side(self) -> None:
        # Given: order 1 is known old, order 3 known recent (impossible for a sorted listing)
        versions = facts(["4.0.0", "3.0.0", "2.0.0", "1.0.0"])
        versions[1] = dataclasses.replace(versions[1], published=NOW - timedelta(days=100))
        versions[3] = dataclasses.replace(versions[3], published=NOW - timedelta(days=1))
        # When
        ev = run(versions, policy(archive=[{"published_before": "30d"}]))
        # Then: 2.0.0, claimed by both bounds, counts as recent: never archived on contradictory facts
        assert by_version(ev) == {
            "4.0.0": ("keep", None),
            "3.0.0": ("archive", "archive[0]"),
            "2.0.0": ("keep", None),
            "1.0.0": ("keep", None),
        }
        assert ev.needs is None

    def test_a_shared_publish_order_proves_no_age(self) -> None:
        # Given: two versions numbered alike (a tie, or a caller's slip), one known 90 days old
        versions = [fact("2.0.0", 1), fact("1.0.0", 1, age=timedelta(days=90))]
        pol = policy(archive=[{"published_before": "60d"}])
        # When
        ev = run(versions, pol)
        # Then: 2.0.0 is not archived on its sibling's age; its own publish time is requested
        assert by_version(ev) == {"2.0.0": ("skip", "missing-fact"), "1.0.0": ("archive", "archive[0]")}
        assert ev.needs is not None
        assert ev.needs.versions == ("2.0.0",)

    def test_a_shared_publish_order_with_a_recent_version_does_not_protect_on_a_guess(self) -> None:
        # Given: the sibling is recent; published_within would keep, published_before would archive
        versions = [fact("2.0.0", 0, age=timedelta(days=1)), fact("1.0.0", 0)]
        pol = policy(protect=[{"published_within": "30d"}], archive=[{"published_before": "60d"}])
        ev = run(versions, pol)
        assert by_version(ev)["1.0.0"] == ("skip", "missing-fact")

    def test_publish_and_archive_times_with_an_offset_are_reported_in_utc(self) -> None:
        # Given: times carrying a +05:00 offset (an edge that did not normalise)
        plus5 = timezone(timedelta(hours=5))
        published = datetime(2025, 1, 1, 5, 0, tzinfo=plus5)  # 2025-01-01T00:00Z
        archived = datetime(2025, 6, 1, 5, 0, tzinfo=plus5)  # 2025-06-01T00:00Z
        versions = [fact("2.0.0", 0, published=published), fact("1.0.0", 1, Status.ARCHIVED)]
        pol = policy(archive=[{"published_before": "30d"}], dispose={"archived_for": "60d"})
        # When
        ev = evaluate(package(), versions, pol, guardrails(), NOW, archived_at={"1.0.0": archived})
        # Then: reasons print the instant in UTC, not the local wall time with a Z
        assert reason_of(ev, "2.0.0") == "archive[0] published_before: 30d (published 2025-01-01T00:00:00Z)"
        assert reason_of(ev, "1.0.0") == "dispose archived_for: 60d (archived 2025-06-01T00:00:00Z)"

    def test_naive_publish_times_are_read_as_utc(self) -> None:
        naive = (NOW - timedelta(days=31)).replace(tzinfo=None)
        ev = run([fact("1.0.0", 0, published=naive)], policy(archive=[{"published_before": "30d"}]))
        assert by_version(ev) == {"1.0.0": ("archive", "archive[0]")}


def _binary_search_caller(
    truth: Sequence[VersionFact], pol: PackagePolicy, budget: int = 40
) -> tuple[Evaluation, int]:
    """The worker's loop: fill publish times from describes until the engine needs nothing."""
    times = {f.version: f.published for f in truth}
    known: dict[str, datetime | None] = {}
    describes = 0
    while True:
        current = [dataclasses.replace(f, published=known.get(f.version)) for f in truth]
        ev = evaluate(package(), current, pol, guardrails(), NOW)
        if ev.needs is None:
            return ev, describes
        for version in ev.needs.versions:
            assert version not in known, "the engine asked twice for the same fact"
            known[version] = times[version]
            describes += 1
        assert describes <= budget


def _decided(ev: Evaluation) -> list[tuple[str, Action, str | None]]:
    return [(d.version, d.action, d.rule) for d in ev.decisions]


def test_binary_search_over_5000_versions_needs_few_describes() -> None:
    # Given: 5,000 versions, ranked differently from their publish order, published 3h apart
    count = 5000
    truth = [
        fact(f"{(order * 7919) % count}.0.0", order, published=NOW - timedelta(hours=3 * order + 1))
        for order in range(count)
    ]
    pol = policy(protect=[{"newest": 10}], archive=[{"published_before": "180d"}])
    # When: the caller starts with no publish time at all
    ev, describes = _binary_search_caller(truth, pol)
    # Then: about log2(5000) describes, and exactly the decisions of the all-known evaluation
    assert describes <= 20
    complete = evaluate(package(), truth, pol, guardrails(), NOW)
    assert complete.needs is None
    assert _decided(ev) == _decided(complete)
    assert len(ev.actions(Action.ARCHIVE)) == count - 1440 - _protected_older(truth)


def _protected_older(truth: Sequence[VersionFact]) -> int:
    # The newest: 10 versions by rank that are older than 180 days are kept, not archived.
    ranked = sorted(truth, key=lambda f: int(f.version.split(".")[0]), reverse=True)[:10]
    threshold = NOW - timedelta(days=180)
    return sum(1 for f in ranked if f.published is not None and f.published < threshold)


def test_binary_search_with_two_age_rules_and_a_protect_age() -> None:
    count = 2000
    truth = [
        fact(f"1.{count - order}.0", order, published=NOW - timedelta(hours=7 * order))
        for order in range(count)
    ]
    pol = policy(
        protect=[{"newest": 5}, {"published_within": "30d"}],
        archive=[{"published_before": "365d"}, {"beyond_newest": 100, "published_before": "90d"}],
    )
    ev, describes = _binary_search_caller(truth, pol)
    complete = evaluate(package(), truth, pol, guardrails(), NOW)
    # Same actions; young versions no archive condition can touch never needed protect[1]'s answer.
    assert [(d.version, d.action) for d in ev.decisions] == [
        (d.version, d.action) for d in complete.decisions
    ]
    young = next(d for d in ev.decisions if d.version == "1.1995.0")
    assert young.reason == "no archive rule matched (protect[1] published_within: 30d: left undecided)"
    assert describes <= 3 * 12
