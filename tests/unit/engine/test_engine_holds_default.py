"""Holds and the default version keep a version before any rule (issue 17, findings 5 and 6)."""

from __future__ import annotations

from datetime import timedelta

from ca_lifecycle.facts import Hold, Status
from engine_builders import NOW, by_version, fact, facts, policy, reason_of, run

ARCHIVE_ALL_BUT_NEWEST = {"archive": [{"beyond_newest": 1}]}


def test_an_active_hold_keeps_a_live_version_with_its_reason() -> None:
    hold = Hold(reason="restored for the audit (ticket 42)", until=NOW + timedelta(days=3))
    ev = run(facts(["3.0.0", "2.0.0", "1.0.0"]), policy(**ARCHIVE_ALL_BUT_NEWEST), holds={"1.0.0": hold})
    assert by_version(ev) == {
        "3.0.0": ("keep", None),
        "2.0.0": ("archive", "archive[0]"),
        "1.0.0": ("keep", "hold"),
    }
    assert reason_of(ev, "1.0.0") == "held until 2026-01-04T00:00:00Z: restored for the audit (ticket 42)"


def test_a_hold_without_an_end_keeps_until_removed() -> None:
    ev = run(facts(["2.0.0", "1.0.0"]), policy(**ARCHIVE_ALL_BUT_NEWEST), holds={"1.0.0": Hold("pinned")})
    assert by_version(ev)["1.0.0"] == ("keep", "hold")
    assert reason_of(ev, "1.0.0") == "held until removed: pinned"


def test_an_expired_hold_no_longer_keeps() -> None:
    hold = Hold(reason="was needed", until=NOW - timedelta(seconds=1))
    ev = run(facts(["2.0.0", "1.0.0"]), policy(**ARCHIVE_ALL_BUT_NEWEST), holds={"1.0.0": hold})
    assert by_version(ev)["1.0.0"] == ("archive", "archive[0]")


def test_a_hold_stops_a_due_disposal() -> None:
    versions = [fact("2.0.0", 0), fact("1.0.0", 1, Status.ARCHIVED)]
    pol = policy(dispose={"archived_for": "1d"})
    archived = {"1.0.0": NOW - timedelta(days=30)}
    assert by_version(run(versions, pol, archived_at=archived))["1.0.0"] == ("dispose", "dispose")
    held = run(versions, pol, archived_at=archived, holds={"1.0.0": Hold("legal hold")})
    assert by_version(held)["1.0.0"] == ("keep", "hold")
    assert "not disposed" in reason_of(held, "1.0.0")


def test_the_default_version_is_kept_when_ranked_low() -> None:
    # Given a maintenance release 1.9.9 published after 2.0.0: npm's `latest` points at it
    versions = facts(["1.9.9", "2.0.0", "1.0.0"])
    ev = run(versions, policy(**ARCHIVE_ALL_BUT_NEWEST), default_version="1.9.9")
    assert by_version(ev) == {
        "2.0.0": ("keep", None),
        "1.9.9": ("keep", "default-version"),
        "1.0.0": ("archive", "archive[0]"),
    }
    assert "defaultDisplayVersion" in reason_of(ev, "1.9.9")


def test_protect_default_version_false_lets_the_rules_decide() -> None:
    versions = facts(["1.9.9", "2.0.0"])
    pol = policy(**ARCHIVE_ALL_BUT_NEWEST, protect_default_version=False)
    assert by_version(run(versions, pol, default_version="1.9.9"))["1.9.9"] == ("archive", "archive[0]")
