"""Usage rules: downloaded_within keeps, not_downloaded_for archives (only), warm-up and silence."""

from __future__ import annotations

from datetime import timedelta

from ca_lifecycle.engine import Decision, Evaluation, evaluate
from ca_lifecycle.facts import Action, Status, UsageFacts
from engine_builders import NOW, fact, guardrails, package, policy

DAY = timedelta(days=1)
TRACKED = UsageFacts(tracked_since=NOW - 400 * DAY, last_ingested=NOW - DAY / 4)


def _usage(downloads: dict[str, timedelta], **changes: object) -> UsageFacts:
    base = {"tracked_since": TRACKED.tracked_since, "last_ingested": TRACKED.last_ingested}
    base.update(changes)
    return UsageFacts(last_downloaded={v: NOW - ago for v, ago in downloads.items()}, **base)  # type: ignore[arg-type]


def by_version(evaluation: Evaluation) -> dict[str, Decision]:
    return {d.version: d for d in evaluation.decisions}


def _eval(versions, pol, usage):  # type: ignore[no-untyped-def]
    return evaluate(package(), versions, pol, guardrails(), NOW, usage=usage)


OLD = [fact("1.0.0", 2, age=500 * DAY), fact("1.1.0", 1, age=400 * DAY), fact("2.0.0", 0, age=300 * DAY)]
ARCHIVE_UNUSED = policy(archive=[{"not_downloaded_for": "180d"}])


def test_not_downloaded_for_archives_only_what_nobody_pulled() -> None:
    usage = _usage({"1.0.0": 200 * DAY, "1.1.0": 10 * DAY})  # 2.0.0 never downloaded, published 300 d ago
    decisions = by_version(_eval(OLD, ARCHIVE_UNUSED, usage))
    assert decisions["1.0.0"].action is Action.ARCHIVE
    assert "downloaded 2025-06-15" in decisions["1.0.0"].reason
    assert decisions["1.1.0"].action is Action.KEEP
    assert decisions["2.0.0"].action is Action.ARCHIVE
    assert "never downloaded; published" in decisions["2.0.0"].reason


def test_a_version_never_downloaded_counts_from_its_publish_time() -> None:
    recent = [fact("3.0.0", 0, age=20 * DAY)]
    assert by_version(_eval(recent, ARCHIVE_UNUSED, _usage({})))["3.0.0"].action is Action.KEEP


def test_downloaded_within_keeps_with_a_downloaded_reason() -> None:
    pol = policy(protect=[{"downloaded_within": "30d"}], archive=[{"published_before": "100d"}])
    decisions = by_version(_eval(OLD, pol, _usage({"1.0.0": 3 * DAY})))
    assert decisions["1.0.0"].action is Action.KEEP
    assert decisions["1.0.0"].rule == "protect[0]"
    assert "downloaded 2025-12-29" in decisions["1.0.0"].reason
    assert decisions["1.1.0"].action is Action.ARCHIVE


def test_warm_up_selects_nothing_and_says_why() -> None:
    usage = _usage({}, tracked_since=NOW - 30 * DAY)
    for decision in _eval(OLD, ARCHIVE_UNUSED, usage).decisions:
        assert decision.action is Action.KEEP
        assert "archive[0] not_downloaded_for suspended: warm-up: reads tracked since" in decision.reason


def test_silence_suspends_usage_rules_on_every_decision() -> None:
    usage = _usage({}, last_ingested=NOW - 2 * DAY)
    evaluation = _eval(OLD, ARCHIVE_UNUSED, usage)
    assert (evaluation.usage_suspended or "").startswith(
        "archive[0] not_downloaded_for suspended: read-event"
    )
    assert _eval(OLD, ARCHIVE_UNUSED, _usage({})).usage_suspended is None
    for decision in evaluation.decisions:
        assert decision.action is Action.KEEP
        assert "ingestion silent since 2025-12-30" in decision.reason


def test_max_silence_is_the_policys() -> None:
    usage = _usage({}, last_ingested=NOW - 2 * DAY, max_silence=3 * DAY)
    assert {d.action for d in _eval(OLD, ARCHIVE_UNUSED, usage).decisions} == {Action.ARCHIVE}


def test_no_feed_at_all_suspends_usage_rules() -> None:
    assert {d.action for d in _eval(OLD, ARCHIVE_UNUSED, None).decisions} == {Action.KEEP}


def test_downloaded_within_keeps_while_the_feed_cannot_vouch() -> None:
    pol = policy(protect=[{"downloaded_within": "30d"}], archive=[{"published_before": "100d"}])
    decisions = by_version(_eval(OLD, pol, _usage({}, last_ingested=NOW - 5 * DAY)))
    assert decisions["1.0.0"].action is Action.KEEP
    assert "usage unknown (read-event ingestion silent" in decisions["1.0.0"].reason


def test_usage_never_disposes_on_its_own() -> None:
    archived = [fact("0.1.0", 3, Status.ARCHIVED, age=900 * DAY)]
    evaluation = _eval([*OLD, *archived], ARCHIVE_UNUSED, _usage({}))
    assert by_version(evaluation)["0.1.0"].action is Action.NONE
    assert not evaluation.actions(Action.DISPOSE)


def test_unknown_publish_time_of_an_undownloaded_version_is_asked_for() -> None:
    unknown = [fact("1.0.0", 1), fact("2.0.0", 0, age=10 * DAY)]
    evaluation = _eval(unknown, ARCHIVE_UNUSED, _usage({}))
    assert by_version(evaluation)["1.0.0"].rule == "missing-fact"
    assert evaluation.needs is not None
    # A recorded download settles it without a publish time
    settled = _eval(unknown, ARCHIVE_UNUSED, _usage({"1.0.0": 200 * DAY}))
    assert by_version(settled)["1.0.0"].action is Action.ARCHIVE


def test_a_policy_without_usage_rules_ignores_usage_facts() -> None:
    pol = policy(archive=[{"published_before": "100d"}])
    with_usage = _eval(OLD, pol, _usage({}, last_ingested=NOW - 9 * DAY))
    assert with_usage == _eval(OLD, pol, None)
