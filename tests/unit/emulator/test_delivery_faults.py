"""The event delivery fault: at-least-once, unordered delivery, deterministic from a seed.

EventBridge delivers at least once and without an order guarantee; CodeArtifact's events carry
``eventDeduplicationId`` and a per-package ``sequenceNumber`` so consumers can cope
(https://docs.aws.amazon.com/codeartifact/latest/ug/service-events.html). The fault makes the
emulator deliver that way on purpose.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from ca_emulator import Emulator, Faults
from emulator_unit_helpers import Call, at

VERSIONS = [f"1.{i}.0" for i in range(20)]
PKG = {"domain": "acme", "repository": "release", "format": "npm", "namespace": "acme", "package": "w"}


def key(event: dict[str, Any]) -> tuple[str, int]:
    return event["detail"]["packageVersion"], event["detail"]["sequenceNumber"]


def archive_all(emu: Emulator, call: Call) -> None:
    """Seed 20 versions, then archive them in one request: one request, 20 events."""
    emu.add_versions("acme", "release", "npm", "acme", "w", [(v, at(i)) for i, v in enumerate(VERSIONS)])
    status, body = call("UpdatePackageVersionsStatus", **PKG, versions=VERSIONS, targetStatus="Archived")
    assert status == 200, body


def delivered_keys(seed: int | None, ratio: float = 0.0, hold: int = 0) -> list[tuple[str, int]]:
    emu = Emulator(clock=lambda: at(10_000))
    emu.create_domain("acme")
    emu.create_repository("acme", "release")
    emu.faults = Faults(event_seed=seed, event_duplicate_ratio=ratio, event_hold=hold)
    emu.add_versions("acme", "release", "npm", "acme", "w", [(v, at(i)) for i, v in enumerate(VERSIONS)])
    body = json.dumps({"versions": VERSIONS, "targetStatus": "Archived"}).encode()
    query = "&".join(f"{k}={v}" for k, v in PKG.items())
    status, _, _ = emu.handle("POST", f"/v1/package/versions/update_status?{query}", {}, body)
    assert status == 200
    emu.flush_events()
    return [key(e) for e in emu.delivered]


def test_without_the_fault_every_event_is_delivered_once_in_order(emu: Emulator, call: Call) -> None:
    archive_all(emu, call)
    assert [key(e) for e in emu.delivered] == [key(e) for e in emu.events]
    assert [s for _, s in map(key, emu.delivered)] == list(range(1, 21))


def test_the_same_seed_gives_the_same_delivery_and_another_seed_another() -> None:
    first, again, other = delivered_keys(7, 0.3), delivered_keys(7, 0.3), delivered_keys(8, 0.3)
    assert first == again
    assert first != other


def test_every_event_arrives_at_least_once_at_most_twice_out_of_order() -> None:
    delivered = delivered_keys(3, 0.5)
    counts = Counter(delivered)
    emitted = {(v, i + 1) for i, v in enumerate(VERSIONS)}
    assert set(counts) == emitted
    assert set(counts.values()) == {1, 2}  # some duplicated, none more than once
    assert [s for _, s in delivered] != sorted(s for _, s in delivered)


def test_duplicate_ratio_one_delivers_everything_exactly_twice() -> None:
    counts = Counter(delivered_keys(1, 1.0))
    assert len(counts) == 20
    assert set(counts.values()) == {2}


def test_hold_delays_delivery_until_the_window_is_full(emu: Emulator) -> None:
    emu.faults = Faults(event_seed=5, event_hold=3)
    for i, version in enumerate(["1.0.0", "1.1.0"]):
        emu.add_version("acme", "release", "npm", None, "w", version, published=at(i), emit_event=True)
    # Two of three: nothing delivered yet
    assert emu.delivered == []
    emu.add_version("acme", "release", "npm", None, "w", "1.2.0", published=at(3), emit_event=True)
    # The window is full: all three go out together, an earlier publish possibly after a later one
    assert sorted(key(e) for e in emu.delivered) == [("1.0.0", 1), ("1.1.0", 2), ("1.2.0", 3)]
    emu.add_version("acme", "release", "npm", None, "w", "1.3.0", published=at(4), emit_event=True)
    assert len(emu.delivered) == 3
    assert emu.flush_events() == 1
    assert key(emu.delivered[-1]) == ("1.3.0", 4)


def test_with_a_hold_a_duplicate_arrives_in_a_later_window(emu: Emulator) -> None:
    emu.faults = Faults(event_seed=11, event_duplicate_ratio=1.0, event_hold=2)
    for i in range(4):
        emu.add_version("acme", "release", "npm", None, "w", f"1.{i}.0", published=at(i), emit_event=True)
    emu.flush_events()
    seqs = [e["detail"]["sequenceNumber"] for e in emu.delivered]
    # The copies of the first window's events come after both of its originals
    first_window = seqs[:2]
    assert sorted(first_window) == [1, 2]
    assert Counter(seqs) == {1: 2, 2: 2, 3: 2, 4: 2}
    later = seqs[2:]
    assert 1 in later
    assert 2 in later


def test_a_duplicate_is_the_same_event(emu: Emulator, call: Call) -> None:
    emu.faults = Faults(event_seed=2, event_duplicate_ratio=1.0)
    archive_all(emu, call)
    by_id: dict[str, list[dict[str, Any]]] = {}
    for event in emu.delivered:
        by_id.setdefault(event["detail"]["eventDeduplicationId"], []).append(event)
    assert len(by_id) == 20
    assert all(len(copies) == 2 and copies[0] == copies[1] for copies in by_id.values())


def test_turning_the_fault_off_releases_what_it_held_in_order(emu: Emulator) -> None:
    emu.faults = Faults(event_seed=1, event_hold=10)
    emu.add_version("acme", "release", "npm", None, "w", "1.0.0", emit_event=True)
    emu.faults = Faults()
    emu.add_version("acme", "release", "npm", None, "w", "1.1.0", emit_event=True)
    assert [key(e) for e in emu.delivered] == [("1.0.0", 1), ("1.1.0", 2)]


def test_the_fault_is_configured_over_http_too(emu: Emulator) -> None:
    document = {"event_seed": 4, "event_duplicate_ratio": 0.25, "event_hold": 5}
    status, _, body = emu.handle("POST", "/_emulator/faults", {}, json.dumps(document).encode())
    assert status == 200
    assert {k: json.loads(body)[k] for k in document} == document
    emu.add_version("acme", "release", "npm", None, "w", "1.0.0", emit_event=True)
    status, _, body = emu.handle("GET", "/_emulator/events", {}, b"")
    assert (json.loads(body)["held"], json.loads(body)["delivered"]) == (1, [])
    status, _, body = emu.handle("POST", "/_emulator/events/flush", {}, b"")
    flushed = json.loads(body)["delivered"]
    assert status == 200
    assert flushed in (1, 2)  # the one event, perhaps with its copy
    assert [key(e) for e in emu.delivered] == [("1.0.0", 1)] * flushed


@pytest.mark.parametrize(
    "document",
    [
        {"event_seed": "7"},
        {"event_seed": True},
        {"event_duplicate_ratio": 1.5},
        {"event_duplicate_ratio": -0.1},
        {"event_hold": -1},
        {"event_hold": 1.5},
    ],
)
def test_bad_delivery_settings_are_refused(emu: Emulator, document: dict[str, Any]) -> None:
    status, _, body = emu.handle("POST", "/_emulator/faults", {}, json.dumps(document).encode())
    assert status == 400
    assert next(iter(document)) in json.loads(body)["message"]
