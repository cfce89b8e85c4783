"""Usage-rule invariants over random packages, policies and download histories (hypothesis)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ca_lifecycle.engine import Evaluation, evaluate
from ca_lifecycle.engine.core import DUPLICATE_REASON
from ca_lifecycle.facts import Action, UsageFacts
from ca_lifecycle.policy import Guardrails, PackagePolicy
from engine_builders import NOW, package
from hypothesis import given
from hypothesis import strategies as st
from test_engine_properties import GUARDRAILS, SETTINGS, Pkg, packages, policies

WINDOWS = ["1d", "30d", "180d"]


@st.composite
def with_usage_rules(draw: st.DrawFn) -> PackagePolicy:
    """A random policy with usage keys added to some of its rules (and maybe a usage-only rule)."""
    base = draw(policies())
    data: dict[str, Any] = base.model_dump(mode="json", exclude_none=True)
    for rule in data["archive"]:
        if draw(st.booleans()):
            rule["not_downloaded_for"] = draw(st.sampled_from(WINDOWS))
    if draw(st.booleans()):
        data["archive"].append({"not_downloaded_for": draw(st.sampled_from(WINDOWS))})
    if draw(st.booleans()):
        data["protect"].append({"downloaded_within": draw(st.sampled_from(WINDOWS))})
    data["scope"] = {"domain": "acme"}
    return PackagePolicy.model_validate(data)


@st.composite
def usage_facts(draw: st.DrawFn, pkg: Pkg, *, trusted: bool | None = None) -> UsageFacts:
    downloads = {
        fact.version: NOW - timedelta(hours=draw(st.integers(0, 400 * 24)))
        for fact in pkg.versions
        if draw(st.booleans())
    }
    tracked = draw(st.integers(0, 400))
    silent = draw(st.integers(0, 72))
    if trusted is False:  # silence, or a warm-up shorter than any window
        if draw(st.booleans()):
            silent = draw(st.integers(25, 500))
        else:
            tracked = 0
    return UsageFacts(
        last_downloaded=downloads,
        tracked_since=NOW - timedelta(days=tracked, hours=0 if tracked else draw(st.integers(0, 20))),
        last_ingested=NOW - timedelta(hours=silent),
    )


def _run(pkg: Pkg, pol: PackagePolicy, rails: Guardrails, usage: UsageFacts | None) -> Evaluation:
    return evaluate(package(pkg.fmt), pkg.versions, pol, rails, NOW, archived_at=pkg.archived_at, usage=usage)


def _without_usage(pol: PackagePolicy) -> PackagePolicy:
    archive = [rule for rule in pol.archive if rule.not_downloaded_for is None]
    protect = [rule for rule in pol.protect if rule.downloaded_within is None]
    return pol.model_copy(update={"archive": archive, "protect": protect})


@SETTINGS
@given(st.data(), packages(), with_usage_rules(), GUARDRAILS)
def test_usage_rules_never_dispose(
    data: st.DataObject, pkg: Pkg, pol: PackagePolicy, rails: Guardrails
) -> None:
    usage = data.draw(usage_facts(pkg))
    disposed = {d.version for d in _run(pkg, pol, rails, usage).actions(Action.DISPOSE)}
    plain = {d.version for d in _run(pkg, _without_usage(pol), rails, None).actions(Action.DISPOSE)}
    assert disposed <= plain


@SETTINGS
@given(st.data(), packages(), with_usage_rules(), GUARDRAILS)
def test_protect_still_wins_over_usage_archives(
    data: st.DataObject, pkg: Pkg, pol: PackagePolicy, rails: Guardrails
) -> None:
    usage = data.draw(usage_facts(pkg))
    evaluation = _run(pkg, pol, rails, usage)
    protect_only = _run(pkg, pol.model_copy(update={"archive": []}), rails, usage)
    protected = {d.version for d in protect_only.decisions if (d.rule or "").startswith("protect[")}
    assert not protected & {d.version for d in evaluation.actions(Action.ARCHIVE)}


@SETTINGS
@given(st.data(), packages(), with_usage_rules(), GUARDRAILS)
def test_warm_up_and_silence_never_select(
    data: st.DataObject, pkg: Pkg, pol: PackagePolicy, rails: Guardrails
) -> None:
    usage = data.draw(usage_facts(pkg, trusted=False))
    for condition in (None, usage):
        evaluation = _run(pkg, pol, rails, condition)
        for decision in evaluation.actions(Action.ARCHIVE):
            index = int((decision.rule or "")[len("archive[") : -1])
            assert pol.archive[index].not_downloaded_for is None
        if any(rule.not_downloaded_for is not None for rule in pol.archive):
            live = [d for d in evaluation.decisions if d.status.value in ("Published", "Unlisted")]
            assert all(
                "not_downloaded_for suspended" in d.reason for d in live if d.reason != DUPLICATE_REASON
            )
