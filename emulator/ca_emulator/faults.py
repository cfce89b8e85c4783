"""Switchable faults: latency, throttling, 500s, a concurrent actor, and event delivery.

Event delivery: EventBridge delivers "at least once" and does not promise order (CodeArtifact's
events carry ``eventDeduplicationId`` and a per-package ``sequenceNumber`` for exactly this).
With ``event_seed`` set, emitted events are duplicated and reordered, deterministically from the
seed: the same seed and the same calls give the same delivery order.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ca_emulator.protocol import service_model

# Writes that can collide with the concurrent actor's change.
WRITE_OPERATIONS = frozenset(
    {
        "UpdatePackageVersionsStatus",
        "DisposePackageVersions",
        "DeletePackageVersions",
        "PublishPackageVersion",
    }
)


@dataclass
class Faults:
    """What to inject; every field off by default.

    ``concurrent_change``: ``{"package": (domain, repo, format, namespace, name), "version": v,
    "to_status": s}`` — applied once, after the next List*/Describe* call and before the next
    write touching that version, as if another client changed the status in between.

    ``deny``: operation names (``["ListPackages", …]``) answered with AccessDeniedException, as
    for a caller whose IAM policy lacks ``codeartifact:<Operation>``.
    """

    latency_ms: int = 0
    throttle_every: int | None = None  # every Nth AWS request answers 429
    throttle_ratio: float = 0.0  # this share of AWS requests answers 429 (random)
    throttle_retry_after: int = 1  # seconds, sent as Retry-After
    error_every: int | None = None  # every Nth AWS request answers 500
    concurrent_change: dict[str, Any] | None = None
    deny: list[str] = field(default_factory=list)
    # Event delivery (off while event_seed is None): each event is delivered a second time with
    # probability event_duplicate_ratio; events are shuffled before delivery, within one
    # request's events (event_hold 0) or held back until event_hold are pending (duplicates then
    # join the next window, so a copy can arrive after later events). Emulator.flush_events()
    # (POST /_emulator/events/flush) releases whatever is held.
    event_seed: int | None = None
    event_duplicate_ratio: float = 0.0
    event_hold: int = 0
    # Internal: whether a List/Describe has happened since concurrent_change was set.
    _primed: bool = field(default=False, repr=False)
    _count: int = field(default=0, repr=False)
    _rng: random.Random | None = field(default=None, repr=False)
    _rng_seed: int | None = field(default=None, repr=False)

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Faults:
        """Build from the introspection API's JSON body; unknown or mistyped fields are errors."""
        known = {f.name for f in fields(cls) if not f.name.startswith("_")}
        unknown = sorted(set(document) - known)
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(unknown)}")
        faults = cls(**document)
        faults.check()
        return faults

    def check(self) -> None:
        for name in ("throttle_every", "error_every"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{name}: must be a positive integer or null")
        if not isinstance(self.latency_ms, int) or self.latency_ms < 0:
            raise ValueError("latency_ms: must be a non-negative integer")
        if not isinstance(self.throttle_ratio, int | float) or not 0 <= self.throttle_ratio <= 1:
            raise ValueError("throttle_ratio: must be a number between 0 and 1")
        if not isinstance(self.throttle_retry_after, int) or self.throttle_retry_after < 0:
            raise ValueError("throttle_retry_after: must be a non-negative integer")
        self._check_deny()
        self._check_events()
        change = self.concurrent_change
        if change is not None:
            if not isinstance(change, dict) or not {"package", "version", "to_status"} <= set(change):
                raise ValueError("concurrent_change: needs package, version and to_status")
            package = change["package"]
            if not isinstance(package, list | tuple) or len(package) != 5:
                raise ValueError("concurrent_change.package: must be [domain, repo, format, namespace, name]")
            change["package"] = tuple(package)

    def _check_deny(self) -> None:
        if not isinstance(self.deny, list | tuple | set | frozenset) or not all(
            isinstance(name, str) for name in self.deny
        ):
            raise ValueError("deny: must be a list of operation names")
        # A typo would otherwise deny nothing and let a test pass for the wrong reason.
        unknown = sorted(set(self.deny) - set(service_model().operation_names))
        if unknown:
            raise ValueError(f"deny: not CodeArtifact operation(s): {', '.join(unknown)}")
        self.deny = sorted(set(self.deny))

    def _check_events(self) -> None:
        seed = self.event_seed
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ValueError("event_seed: must be an integer or null")
        ratio = self.event_duplicate_ratio
        if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 <= ratio <= 1:
            raise ValueError("event_duplicate_ratio: must be a number between 0 and 1")
        if isinstance(self.event_hold, bool) or not isinstance(self.event_hold, int) or self.event_hold < 0:
            raise ValueError("event_hold: must be a non-negative integer")

    def event_rng(self) -> random.Random:
        """The delivery fault's generator, (re)started whenever event_seed changes."""
        if self._rng is None or self._rng_seed != self.event_seed:
            self._rng = random.Random(self.event_seed)  # seeded for determinism, not security
            self._rng_seed = self.event_seed
        return self._rng

    def denies(self, operation: str) -> bool:
        return operation in self.deny

    def as_json(self) -> dict[str, Any]:
        document = {k: v for k, v in asdict(self).items() if not k.startswith("_")}
        if document["concurrent_change"] is not None:
            document["concurrent_change"] = {
                **document["concurrent_change"],
                "package": list(document["concurrent_change"]["package"]),
            }
        return document

    def decide(self) -> str | None:
        """Count one AWS request and say which fault answers it: "throttle", "error" or None."""
        self._count += 1
        if self.throttle_every and self._count % self.throttle_every == 0:
            return "throttle"
        if self.throttle_ratio and random.random() < self.throttle_ratio:
            return "throttle"
        if self.error_every and self._count % self.error_every == 0:
            return "error"
        return None
