"""One test per policy rule, with hand-built facts (DESIGN.md "The policy language", semantics)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from ca_lifecycle.facts import Action, Status
from engine_builders import NOW, by_version, daily, fact, facts, guardrails, policy, reason_of, run

# Newest-published first; semver order differs from publish order on purpose.
MIXED = ["1.10.0", "2.0.0", "1.9.0", "2.1.0", "1.2.0", "0.9.0"]
# The same versions ranked by semver, highest first.
MIXED_RANKED = ["2.1.0", "2.0.0", "1.10.0", "1.9.0", "1.2.0", "0.9.0"]


class TestNewest:
    def test_newest_keeps_the_highest_versions_not_the_latest_published(self) -> None:
        # Given: six live versions published out of semver order
        pol = policy(protect=[{"newest": 2}], archive=[{"beyond_newest": 0}])
        # When
        ev = run(facts(MIXED), pol)
        # Then: ranks follow semver, 1.10.0 > 1.9.0, and only the two highest are kept
        assert [d.version for d in ev.decisions] == MIXED_RANKED
        assert by_version(ev) == {
            "2.1.0": ("keep", "protect[0]"),
            "2.0.0": ("keep", "protect[0]"),
            "1.10.0": ("archive", "archive[0]"),
            "1.9.0": ("archive", "archive[0]"),
            "1.2.0": ("archive", "archive[0]"),
            "0.9.0": ("archive", "archive[0]"),
        }
        assert reason_of(ev, "2.0.0") == "protect[0] newest: 2 (rank 1)"

    def test_newest_per_major_keeps_the_top_of_each_major_line(self) -> None:
        pol = policy(protect=[{"newest": 1, "per": "major"}], archive=[{"beyond_newest": 0}])
        ev = run(facts(MIXED), pol)
        kept = [d.version for d in ev.actions(Action.KEEP)]
        assert kept == ["2.1.0", "1.10.0", "0.9.0"]
        assert reason_of(ev, "1.10.0") == "protect[0] newest: 1 per major (rank 0 in major 1)"

    def test_newest_per_minor_keeps_the_top_of_each_minor_line(self) -> None:
        versions = ["1.2.3", "1.2.10", "1.3.0", "1.3.0-rc.1", "2.0.1", "2.0.0"]
        pol = policy(protect=[{"newest": 1, "per": "minor"}], archive=[{"beyond_newest": 0}])
        ev = run(facts(versions), pol)
        assert [d.version for d in ev.actions(Action.KEEP)] == ["2.0.1", "1.3.0", "1.2.10"]

    def test_prerelease_key_chooses_which_versions_newest_counts(self) -> None:
        # Given: the highest version is a prerelease; the rule protects the newest 2 releases
        versions = ["3.0.0-beta.1", "2.1.0", "2.1.0-rc.1", "2.0.0"]
        pol = policy(protect=[{"newest": 2, "prerelease": False}], archive=[{"beyond_newest": 0}])
        # When
        ev = run(facts(versions), pol)
        # Then: the two highest releases are kept, whatever prereleases outrank them
        assert by_version(ev) == {
            "3.0.0-beta.1": ("archive", "archive[0]"),
            "2.1.0": ("keep", "protect[0]"),
            "2.1.0-rc.1": ("archive", "archive[0]"),
            "2.0.0": ("keep", "protect[0]"),
        }
        assert reason_of(ev, "2.0.0") == "protect[0] newest: 2, prerelease: false (rank 1 among releases)"

    def test_newest_release_per_major_survives_a_prerelease_topping_the_line(self) -> None:
        # Given: major 2's top is a release candidate, major 1's top is a release
        versions = ["2.1.0-rc.1", "2.0.0", "1.9.3", "1.9.2"]
        pol = policy(
            protect=[{"newest": 1, "per": "major", "prerelease": False}], archive=[{"beyond_newest": 0}]
        )
        # When
        ev = run(facts(versions), pol)
        # Then: the newest release of each major line is kept (2.0.0 despite 2.1.0-rc.1 above it)
        assert [d.version for d in ev.actions(Action.KEEP)] == ["2.0.0", "1.9.3"]
        assert reason_of(ev, "2.0.0") == (
            "protect[0] newest: 1 per major, prerelease: false (rank 0 among releases in major 2)"
        )

    def test_versions_key_filters_after_counting_too(self) -> None:
        # Given: newest 2 ANDed with a versions selector that the top version fails
        versions = ["2.0.0", "1.1.0", "1.0.0"]
        pol = policy(protect=[{"newest": 2, "versions": ["1.*"]}], archive=[{"beyond_newest": 0}])
        # When
        ev = run(facts(versions), pol)
        # Then: only 1.1.0 (rank 1, and 1.*) is kept; 1.0.0 is rank 2, outside newest: 2
        assert [d.version for d in ev.actions(Action.KEEP)] == ["1.1.0"]

    def test_counts_run_over_the_full_live_set_including_unlisted(self) -> None:
        # Given: the highest version is Unlisted (still live)
        versions = [fact("3.0.0", 0, Status.UNLISTED), fact("2.0.0", 1), fact("1.0.0", 2)]
        pol = policy(protect=[{"newest": 1}], archive=[{"beyond_newest": 2}])
        ev = run(versions, pol)
        # Then: 3.0.0 takes the newest slot and rank 0; 1.0.0 is rank 2 → archived
        assert by_version(ev) == {
            "3.0.0": ("keep", "protect[0]"),
            "2.0.0": ("keep", None),
            "1.0.0": ("archive", "archive[0]"),
        }

    def test_non_live_versions_do_not_take_a_newest_slot(self) -> None:
        versions = [fact("3.0.0", 0, Status.ARCHIVED), fact("2.0.0", 1), fact("1.0.0", 2)]
        pol = policy(protect=[{"newest": 1}], archive=[{"beyond_newest": 0}])
        assert by_version(run(versions, pol))["2.0.0"] == ("keep", "protect[0]")


class TestProtectKeys:
    def test_published_within_keeps_recent_versions(self) -> None:
        versions = daily(["1.0.3", "1.0.2", "1.0.1", "1.0.0"], newest_age=timedelta(days=29))
        pol = policy(protect=[{"published_within": "30d"}], archive=[{"beyond_newest": 0}])
        ev = run(versions, pol)
        # 29 days old: kept; exactly 30 days (published == now - 30d) is still within; 31 days is not
        assert by_version(ev) == {
            "1.0.3": ("keep", "protect[0]"),
            "1.0.2": ("keep", "protect[0]"),
            "1.0.1": ("archive", "archive[0]"),
            "1.0.0": ("archive", "archive[0]"),
        }
        assert reason_of(ev, "1.0.3") == "protect[0] published_within: 30d (published 2025-12-03T00:00:00Z)"

    @pytest.mark.parametrize(
        ("selector", "kept"),
        [
            (["1.0.*"], ["1.0.1", "1.0.0"]),
            (["re:^2\\."], ["2.0.0"]),
            (["re:^1\\.0\\.", "2.*"], ["2.0.0", "1.0.1", "1.0.0"]),
            (["1.0"], []),  # a glob matches the whole version
        ],
    )
    def test_versions_patterns_keep_matching_versions(self, selector: list[str], kept: list[str]) -> None:
        pol = policy(protect=[{"versions": selector}], archive=[{"beyond_newest": 0}])
        ev = run(facts(["2.0.0", "1.1.0", "1.0.1", "1.0.0"]), pol)
        assert [d.version for d in ev.actions(Action.KEEP)] == kept

    def test_keys_inside_one_protect_rule_are_anded(self) -> None:
        # newest: 2 AND versions 1.*: only 1.x versions that are also among the two highest
        pol = policy(protect=[{"newest": 2, "versions": ["1.*"]}], archive=[{"beyond_newest": 0}])
        ev = run(facts(["2.0.0", "1.1.0", "1.0.0"]), pol)
        assert [d.version for d in ev.actions(Action.KEEP)] == ["1.1.0"]

    def test_the_reason_names_the_first_matching_rule(self) -> None:
        pol = policy(protect=[{"versions": ["9.*"]}, {"newest": 5}, {"versions": ["1.*"]}])
        ev = run(facts(["1.0.0"]), pol)
        assert by_version(ev)["1.0.0"] == ("keep", "protect[1]")

    def test_protect_beats_archive(self) -> None:
        pol = policy(protect=[{"versions": ["1.0.0"]}], archive=[{"versions": ["1.*"]}])
        ev = run(facts(["1.1.0", "1.0.0"]), pol)
        assert by_version(ev) == {"1.1.0": ("archive", "archive[0]"), "1.0.0": ("keep", "protect[0]")}


class TestArchive:
    def test_beyond_newest_archives_from_that_rank_on(self) -> None:
        pol = policy(archive=[{"beyond_newest": 4}])
        ev = run(facts(MIXED), pol)
        assert [d.version for d in ev.actions(Action.ARCHIVE)] == ["1.2.0", "0.9.0"]
        assert reason_of(ev, "1.2.0") == "archive[0] beyond_newest: 4 (rank 4)"

    def test_published_before_archives_older_versions(self) -> None:
        versions = daily(["1.0.3", "1.0.2", "1.0.1", "1.0.0"], newest_age=timedelta(days=179))
        pol = policy(archive=[{"published_before": "180d"}])
        ev = run(versions, pol)
        # exactly 180 days old is not "before" the threshold
        assert [d.version for d in ev.actions(Action.ARCHIVE)] == ["1.0.1", "1.0.0"]
        assert reason_of(ev, "1.0.1") == "archive[0] published_before: 180d (published 2025-07-04T00:00:00Z)"

    def test_prerelease_condition_archives_only_prereleases(self) -> None:
        pol = policy(archive=[{"prerelease": True}])
        ev = run(facts(["2.0.0", "2.0.0-rc.1", "1.0.0", "1.0.0-alpha"]), pol)
        assert [d.version for d in ev.actions(Action.ARCHIVE)] == ["2.0.0-rc.1", "1.0.0-alpha"]

    def test_keys_inside_one_condition_are_anded(self) -> None:
        versions = [
            fact("2.0.0-rc.2", 0, age=timedelta(days=1)),
            fact("2.0.0-rc.1", 1, age=timedelta(days=20)),
            fact("1.0.0", 2, age=timedelta(days=30)),
        ]
        pol = policy(archive=[{"prerelease": True, "published_before": "14d"}])
        ev = run(versions, pol)
        assert [d.version for d in ev.actions(Action.ARCHIVE)] == ["2.0.0-rc.1"]
        assert reason_of(ev, "2.0.0-rc.1").startswith("archive[0] published_before: 14d, prerelease: true")

    def test_any_condition_is_enough_and_the_first_one_is_named(self) -> None:
        pol = policy(archive=[{"versions": ["0.*"]}, {"beyond_newest": 1}])
        ev = run(facts(["1.0.0", "0.2.0", "0.1.0", "0.0.1"]), pol)
        assert by_version(ev) == {
            "1.0.0": ("keep", None),
            "0.2.0": ("archive", "archive[0]"),
            "0.1.0": ("archive", "archive[0]"),
            "0.0.1": ("archive", "archive[0]"),
        }

    def test_live_versions_no_rule_touches_are_kept_with_a_reason(self) -> None:
        ev = run(facts(["1.0.0"]), policy(archive=[{"beyond_newest": 5}]))
        assert ev.decisions[0].action is Action.KEEP
        assert ev.decisions[0].rule is None
        assert ev.decisions[0].reason == "no archive rule matched"

    def test_decisions_carry_the_revision_for_guarded_writes(self) -> None:
        ev = run([fact("1.0.0", 0, revision="abc=")], policy(archive=[{"beyond_newest": 0}]))
        assert ev.decisions[0].revision == "abc="


class TestNotLive:
    @pytest.mark.parametrize("status", [Status.UNFINISHED, Status.DISPOSED, Status.DELETED])
    def test_non_live_versions_get_none(self, status: Status) -> None:
        ev = run(
            [fact("1.0.0", 0, status)], policy(archive=[{"beyond_newest": 0}], dispose={"archived_for": "1d"})
        )
        assert by_version(ev) == {"1.0.0": ("none", None)}
        assert ev.decisions[0].reason == f"not live ({status.value})"

    def test_archived_without_a_dispose_rule_gets_none_and_no_record(self) -> None:
        ev = run([fact("1.0.0", 0, Status.ARCHIVED)], policy(archive=[{"beyond_newest": 0}]))
        assert by_version(ev) == {"1.0.0": ("none", None)}
        assert ev.record_archived == ()

    def test_decisions_list_live_by_rank_then_the_rest_by_rank(self) -> None:
        versions = [
            fact("3.0.0", 0, Status.ARCHIVED),
            fact("1.0.0", 1),
            fact("2.0.0", 2, Status.UNLISTED),
            fact("0.5.0", 3, Status.DISPOSED),
        ]
        ev = run(versions, policy(archive=[{"beyond_newest": 5}]))
        assert [d.version for d in ev.decisions] == ["2.0.0", "1.0.0", "3.0.0", "0.5.0"]


class TestDispose:
    ARCHIVED = [fact("1.0.0", 0, Status.ARCHIVED)]
    POLICY = {"archive": [{"beyond_newest": 5}], "dispose": {"archived_for": "60d"}}

    def test_disposes_exactly_at_the_archived_for_boundary(self) -> None:
        ev = run(self.ARCHIVED, policy(**self.POLICY), archived_at={"1.0.0": NOW - timedelta(days=60)})
        assert by_version(ev) == {"1.0.0": ("dispose", "dispose")}
        assert ev.decisions[0].reason == "dispose archived_for: 60d (archived 2025-11-02T00:00:00Z)"

    def test_keeps_one_second_before_the_boundary_and_says_when(self) -> None:
        archived = NOW - timedelta(days=60) + timedelta(seconds=1)
        ev = run(self.ARCHIVED, policy(**self.POLICY), archived_at={"1.0.0": archived})
        assert by_version(ev) == {"1.0.0": ("keep", "dispose")}
        assert "disposable from 2026-01-01T00:00:01Z" in ev.decisions[0].reason
        assert ev.record_archived == ()

    def test_unknown_archive_time_starts_the_clock_instead_of_disposing(self) -> None:
        ev = run(self.ARCHIVED, policy(**self.POLICY))
        assert by_version(ev) == {"1.0.0": ("keep", "dispose")}
        assert ev.decisions[0].reason.startswith("archive time unknown: first seen now, clock starts")
        assert ev.record_archived == ("1.0.0",)

    def test_dispose_never_touches_live_versions(self) -> None:
        ev = run(facts(["1.0.0"]), policy(**self.POLICY), archived_at={"1.0.0": NOW - timedelta(days=999)})
        assert by_version(ev) == {"1.0.0": ("keep", None)}

    def test_a_versions_pin_keeps_an_archived_version_from_disposal(self) -> None:
        # Given: an Archived 1.0.0 past archived_for, pinned by protect versions: ["1.0.*"]
        pol = policy(protect=[{"versions": ["1.0.*"]}], **self.POLICY)
        # When
        ev = run(self.ARCHIVED, pol, archived_at={"1.0.0": NOW - timedelta(days=90)})
        # Then: "any protect match keeps the version, whatever else says": disposal is irreversible
        assert by_version(ev) == {"1.0.0": ("keep", "protect[0]")}
        assert ev.decisions[0].reason == (
            "protect[0] versions: [1.0.*]; not disposed "
            "(dispose archived_for: 60d (archived 2025-10-03T00:00:00Z))"
        )

    def test_an_unpinned_archived_version_is_still_disposed(self) -> None:
        pol = policy(protect=[{"versions": ["2.*"]}, {"newest": 1}], **self.POLICY)
        ev = run(self.ARCHIVED, pol, archived_at={"1.0.0": NOW - timedelta(days=90)})
        # newest counts live versions only, so it never holds an Archived one
        assert by_version(ev) == {"1.0.0": ("dispose", "dispose")}

    def test_unknown_publish_time_under_published_within_blocks_disposal_and_asks(self) -> None:
        # Given: a published_within protect rule and an Archived version of unknown publish time
        pol = policy(protect=[{"published_within": "120d"}], **self.POLICY)
        # When
        ev = run(self.ARCHIVED, pol, archived_at={"1.0.0": NOW - timedelta(days=90)})
        # Then: no disposal on a guess; the engine asks for that publish time
        assert by_version(ev) == {"1.0.0": ("skip", "missing-fact")}
        assert ev.needs is not None
        assert ev.needs.versions == ("1.0.0",)
        # And once known (published 100 days ago, inside 120d) the pin holds
        known = [fact("1.0.0", 0, Status.ARCHIVED, age=timedelta(days=100))]
        ev = run(known, pol, archived_at={"1.0.0": NOW - timedelta(days=90)})
        assert by_version(ev) == {"1.0.0": ("keep", "protect[0]")}
        assert ev.needs is None


class TestDuplicateInput:
    def test_a_repeated_version_is_counted_once_and_never_archived_as_its_own_copy(self) -> None:
        # Given: the only version listed twice (overlapping pages), keep_at_least 1
        versions = [fact("1.0.0", 0), fact("1.0.0", 0)]
        pol = policy(archive=[{"beyond_newest": 0}])
        # When
        ev = run(versions, pol, rails=guardrails(keep_at_least=1))
        # Then: one live version, kept by the guardrail; the repeat is reported, with no action
        assert [(d.version, d.action.value, d.rule) for d in ev.decisions] == [
            ("1.0.0", "skip", "guardrail.keep_at_least"),
            ("1.0.0", "none", None),
        ]
        assert ev.decisions[1].reason.startswith("duplicate input fact")

    def test_a_repeat_does_not_push_other_versions_down_the_ranking(self) -> None:
        versions = [fact("2.0.0", 0), fact("2.0.0", 0), fact("1.0.0", 1)]
        ev = run(versions, policy(archive=[{"beyond_newest": 2}]))
        assert ev.actions(Action.ARCHIVE) == []


class TestOrdering:
    def test_ties_are_broken_by_publish_order(self) -> None:
        # semver ignores build metadata: 1.0.0+b and 1.0.0+a have equal precedence
        versions = [fact("1.0.0+b", 0), fact("1.0.0+a", 1), fact("0.1.0", 2)]
        ev = run(versions, policy(archive=[{"beyond_newest": 1}]))
        assert [d.version for d in ev.decisions] == ["1.0.0+b", "1.0.0+a", "0.1.0"]

    def test_published_ordering_ranks_by_publish_order(self) -> None:
        ev = run(
            facts(MIXED),
            policy(ordering="published", protect=[{"newest": 2}], archive=[{"beyond_newest": 0}]),
        )
        assert [d.version for d in ev.decisions] == MIXED
        assert [d.version for d in ev.actions(Action.KEEP)] == ["1.10.0", "2.0.0"]

    def test_published_ordering_still_knows_majors_and_prereleases(self) -> None:
        pol = policy(
            ordering="published", protect=[{"newest": 1, "per": "major"}], archive=[{"prerelease": True}]
        )
        ev = run(facts(["2.0.0-rc.1", "1.5.0", "2.0.0-beta.1"]), pol)
        assert by_version(ev) == {
            "2.0.0-rc.1": ("keep", "protect[0]"),
            "1.5.0": ("keep", "protect[0]"),
            "2.0.0-beta.1": ("archive", "archive[0]"),
        }

    def test_generic_format_ranks_by_publish_order(self) -> None:
        ev = run(
            facts(["b", "a", "c"]),
            policy(protect=[{"newest": 1}], archive=[{"beyond_newest": 0}]),
            fmt="generic",
        )
        assert by_version(ev) == {
            "b": ("keep", "protect[0]"),
            "a": ("archive", "archive[0]"),
            "c": ("archive", "archive[0]"),
        }

    def test_pypi_uses_pep440(self) -> None:
        versions = ["1.0.post1", "1.0", "1.0a1", "1.0.dev1"]
        ev = run(facts(list(reversed(versions))), policy(archive=[{"beyond_newest": 1}]), fmt="pypi")
        assert [d.version for d in ev.decisions] == versions


class TestUnparseable:
    def test_unparseable_versions_rank_below_parseable_ones_by_publish_order(self) -> None:
        # Given: two strings semver cannot parse, published newest
        versions = facts(["not-a-version", "latest", "1.0.0", "2.0.0"])
        pol = policy(protect=[{"newest": 1}], archive=[{"beyond_newest": 2}])
        # When
        ev = run(versions, pol)
        # Then: parseable first by semver, then the unparseable ones by publish order; no crash
        assert [d.version for d in ev.decisions] == ["2.0.0", "1.0.0", "not-a-version", "latest"]
        # a rank rule does not archive on a guessed rank (issue 17, finding 7)
        assert by_version(ev)["latest"] == ("skip", "unparseable")
        assert "does not parse as a semver version" in reason_of(ev, "latest")
        note = "unparseable version for semver: ordered by publish time, below every parseable version"
        assert note in reason_of(ev, "not-a-version")
        assert note in reason_of(ev, "latest")
        assert "unparseable" not in reason_of(ev, "1.0.0")

    def test_unparseable_versions_never_match_an_archive_prerelease_condition(self) -> None:
        ev = run(facts(["1.0.0", "garbage"]), policy(archive=[{"prerelease": True}]))
        assert by_version(ev)["garbage"] == ("keep", None)

    def test_unparseable_versions_form_their_own_line_for_per(self) -> None:
        pol = policy(protect=[{"newest": 1, "per": "major"}], archive=[{"beyond_newest": 0}])
        ev = run(facts(["x1", "x2", "1.0.0"]), pol)
        assert by_version(ev) == {
            "1.0.0": ("keep", "protect[0]"),
            "x1": ("keep", "protect[0]"),
            "x2": ("skip", "unparseable"),
        }

    def test_an_unparseable_true_newest_is_not_archived_by_rank(self) -> None:
        # Given a true newest that is not semver (nightly-3), published after 1.x and 2.x
        ev = run(facts(["nightly-3", "2.0.0", "1.0.0"]), policy(archive=[{"beyond_newest": 2}]))
        # Then it is skipped with the reason, not archived first
        assert by_version(ev)["nightly-3"] == ("skip", "unparseable")

    def test_archive_unparseable_opts_in_to_rank_archives(self) -> None:
        pol = policy(archive=[{"beyond_newest": 2}], archive_unparseable=True)
        ev = run(facts(["nightly-3", "2.0.0", "1.0.0"]), pol)
        assert by_version(ev)["nightly-3"] == ("archive", "archive[0]")

    def test_an_age_rule_archives_an_unparseable_version_a_rank_rule_would_too(self) -> None:
        # Found by the re-evaluation property (seed 79190): the rank rule must not hide the age
        # rule, or the version is archived only once later re-ranking drops the rank rule.
        pol = policy(archive=[{"beyond_newest": 1}, {"published_before": "1d"}])
        ev = run(daily(["2.0.0", "1.0.0", "nightly"], newest_age=timedelta(days=3)), pol)
        assert by_version(ev)["nightly"] == ("archive", "archive[1]")

    def test_age_rules_still_archive_unparseable_versions(self) -> None:
        pol = policy(archive=[{"versions": ["latest"]}])
        ev = run(facts(["1.0.0", "latest"]), pol)
        assert by_version(ev)["latest"] == ("archive", "archive[0]")


class TestNoPolicy:
    def test_every_version_gets_none(self) -> None:
        versions = [fact("2.0.0", 0), fact("1.0.0", 1, Status.ARCHIVED)]
        ev = run(versions, None)
        assert ev.policy_id is None
        assert ev.origin_target is None
        assert ev.needs is None
        assert [(d.action, d.reason) for d in ev.decisions] == [
            (Action.NONE, "no policy matches this package"),
            (Action.NONE, "no policy matches this package"),
        ]


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        run(facts(["1.0.0"]), policy(archive=[{"beyond_newest": 0}]), now=NOW.replace(tzinfo=None))
