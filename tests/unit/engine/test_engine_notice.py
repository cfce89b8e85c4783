"""dispose.notice: no disposal without a delivered notice at least ``notice`` earlier."""

from __future__ import annotations

from datetime import timedelta

from ca_lifecycle.engine import Decision, evaluate
from ca_lifecycle.facts import Hold, Status
from engine_builders import NOW, by_version, fact, guardrails, package, policy

NOTICE = {"archived_for": "60d", "notice": "7d"}
VERSIONS = [fact("2.0.0", 0), fact("1.0.0", 1, Status.ARCHIVED)]


def _decide(*, archived_days: int, noticed_days: int | None, dispose: dict[str, str] = NOTICE) -> Decision:
    notices = {} if noticed_days is None else {"1.0.0": NOW - timedelta(days=noticed_days)}
    ev = evaluate(
        package(),
        VERSIONS,
        policy(dispose=dispose),
        guardrails(),
        NOW,
        archived_at={"1.0.0": NOW - timedelta(days=archived_days)},
        notices=notices,
    )
    return next(d for d in ev.decisions if d.version == "1.0.0")


def test_no_notice_keeps_a_version_past_archived_for_and_says_not_yet_announced() -> None:
    decision = _decide(archived_days=90, noticed_days=None)
    assert (decision.action.value, decision.rule) == ("keep", "dispose")
    assert decision.reason.startswith("not yet announced: dispose archived_for: 60d, notice: 7d")
    # If announced now, it could go a notice period from now
    assert decision.due == NOW + timedelta(days=7)


def test_a_notice_younger_than_the_period_keeps_with_the_date() -> None:
    decision = _decide(archived_days=90, noticed_days=3)
    assert decision.action.value == "keep"
    assert decision.due == NOW + timedelta(days=4)
    assert "disposable from 2026-01-05T00:00:00Z" in decision.reason
    assert "announced 2025-12-29T00:00:00Z" in decision.reason


def test_disposal_after_both_archived_for_and_notice() -> None:
    decision = _decide(archived_days=60, noticed_days=7)
    assert (decision.action.value, decision.rule) == ("dispose", "dispose")
    assert decision.due == NOW - timedelta(days=0)
    assert "announced 2025-12-25T00:00:00Z" in decision.reason


def test_an_early_notice_does_not_shorten_archived_for() -> None:
    decision = _decide(archived_days=59, noticed_days=30)
    assert decision.action.value == "keep"
    assert decision.due == NOW + timedelta(days=1)


def test_without_notice_in_the_policy_notices_change_nothing() -> None:
    plain = {"archived_for": "60d"}
    assert _decide(archived_days=60, noticed_days=None, dispose=plain).action.value == "dispose"
    assert _decide(archived_days=59, noticed_days=None, dispose=plain).due == NOW + timedelta(days=1)


def test_a_hold_keeps_and_carries_no_due_date() -> None:
    ev = evaluate(
        package(),
        VERSIONS,
        policy(dispose=NOTICE),
        guardrails(),
        NOW,
        archived_at={"1.0.0": NOW - timedelta(days=90)},
        holds={"1.0.0": Hold("legal")},
        notices={"1.0.0": NOW - timedelta(days=30)},
    )
    assert by_version(ev)["1.0.0"] == ("keep", "hold")
    assert next(d.due for d in ev.decisions if d.version == "1.0.0") is None


def test_notice_must_be_a_duration() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="notice"):
        policy(dispose={"archived_for": "60d", "notice": "a week"})
