"""The prepared evaluation (rank once, learn publish times, decide once) decides exactly as
re-running ``evaluate`` after every describe round did: same requests, same final Evaluation."""

from __future__ import annotations

import dataclasses
import gc
from datetime import datetime, timedelta

import pytest
from ca_lifecycle.engine import Evaluation, evaluate, prepare
from ca_lifecycle.engine import core as engine_core
from ca_lifecycle.facts import Hold, VersionFact
from ca_lifecycle.policy import Guardrails, PackagePolicy
from engine_builders import NOW, package
from hypothesis import given
from hypothesis import strategies as st
from test_engine_properties import GUARDRAILS, SETTINGS, Pkg, packages, policies


@st.composite
def extras(draw: st.DrawFn, pkg: Pkg) -> tuple[dict[str, Hold], str | None, frozenset[str]]:
    names = [f.version for f in pkg.versions]
    held = draw(st.lists(st.sampled_from(names), max_size=3, unique=True))
    holds = {
        v: Hold(
            reason="test",
            until=draw(st.sampled_from([None, NOW - timedelta(days=1), NOW + timedelta(days=1)])),
        )
        for v in held
    }
    default = draw(st.none() | st.sampled_from(names))
    ours = frozenset(draw(st.lists(st.sampled_from(names), max_size=4, unique=True)))
    return holds, default, ours


def _kwargs(pkg: Pkg, extra: tuple[dict[str, Hold], str | None, frozenset[str]]) -> dict[str, object]:
    holds, default, ours = extra
    return {
        "archived_at": pkg.archived_at,
        "archived_by_us": ours,
        "holds": holds,
        "default_version": default,
    }


def _old_loop(
    pkg: Pkg, pol: PackagePolicy, rails: Guardrails, kwargs: dict[str, object]
) -> tuple[Evaluation, list[tuple[str, ...]]]:
    """What the worker did before: one full evaluate per describe round."""
    known = {f.version: f.published for f in pkg.versions if f.published is not None}
    asked: list[tuple[str, ...]] = []
    while True:
        current = [dataclasses.replace(f, published=known.get(f.version)) for f in pkg.versions]
        ev = evaluate(package(pkg.fmt), current, pol, rails, NOW, **kwargs)  # type: ignore[arg-type]
        if ev.needs is None:
            return ev, asked
        asked.append(ev.needs.versions)
        known.update({v: pkg.truth[v] for v in ev.needs.versions})


@SETTINGS
@given(st.data(), packages(), policies(), GUARDRAILS)
def test_a_prepared_search_asks_and_decides_exactly_as_repeated_evaluations(
    data: st.DataObject, pkg: Pkg, pol: PackagePolicy, rails: Guardrails
) -> None:
    # Given a random package, policy, holds, default version and our own archives
    kwargs = _kwargs(pkg, data.draw(extras(pkg)))
    expected, expected_asks = _old_loop(pkg, pol, rails, kwargs)
    # When the same search runs on one prepared evaluation
    prepared = prepare(package(pkg.fmt), pkg.versions, pol, rails, NOW, **kwargs)  # type: ignore[arg-type]
    asks: list[tuple[str, ...]] = []
    while (needs := prepared.needs()) is not None:
        # Then each round's request is what a full evaluation would have asked for
        assert needs == prepared.evaluation().needs
        asks.append(needs.versions)
        for version in needs.versions:
            prepared.learn(version, pkg.truth[version])
        assert len(asks) <= 30
    # ... the same versions were described, round by round, and the final decisions are equal
    assert asks == expected_asks
    assert prepared.evaluation() == expected


def test_gc_is_off_during_an_evaluation_and_restored_after(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the engine's classification step, watched for the collector's state
    seen: list[bool] = []
    real = engine_core.classify_older

    def watching(versions: list[VersionFact], threshold: datetime) -> list[bool | None]:
        seen.append(gc.isenabled())
        return real(versions, threshold)

    monkeypatch.setattr(engine_core, "classify_older", watching)
    pol = PackagePolicy.model_validate(
        {"id": "p", "scope": {"domain": "acme"}, "archive": [{"published_before": "30d"}]}
    )
    facts = [VersionFact("1.0.0", engine_core.Status.PUBLISHED, "r", engine_core.OriginType.INTERNAL, 0)]
    assert gc.isenabled()
    # When an evaluation runs, and again with GC turned off by the caller
    evaluate(package(), facts, pol, Guardrails(), NOW)
    gc.disable()
    try:
        evaluate(package(), facts, pol, Guardrails(), NOW)
        still_off = not gc.isenabled()
    finally:
        gc.enable()
    # Then the collector was off inside, back on after, and a caller's choice is kept
    assert seen == [False, False]
    assert gc.isenabled()
    assert still_off
