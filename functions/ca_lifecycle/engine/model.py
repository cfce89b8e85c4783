"""What the engine returns: one decision per version, the origin target and missing facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ca_lifecycle.facts import Action, OriginConfig, PackageRef, Status


@dataclass(frozen=True, slots=True)
class Decision:
    """The engine's verdict on one version and the rule that produced it.

    ``rule`` is a machine id: ``"protect[0]"``, ``"archive[1]"``, ``"dispose"``,
    ``"guardrail.keep_at_least"``, ``"guardrail.max_archive_fraction"``, ``"missing-fact"`` or
    None (nothing matched); ``reason`` is the same for people.
    """

    version: str
    status: Status
    action: Action
    reason: str
    rule: str | None
    revision: str | None  # copied from the fact: status writes need it
    # For an Archived version under a dispose rule: the earliest time it may be disposed on the
    # facts known now (a notice not yet delivered counted as delivered now); None otherwise.
    due: datetime | None = None


@dataclass(frozen=True, slots=True)
class FactRequest:
    """Publish times the engine needs before it can decide age rules.

    At most one version per undetermined age threshold: the midpoint of the undetermined
    publish-order range, so the caller's describe loop is a binary search.
    """

    versions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Evaluation:
    package: PackageRef
    policy_id: str | None  # None when no policy applies (every decision is "none")
    # One per input fact: live by rank, then the others by rank, then repeats of a version string
    # already decided (action none; see DUPLICATE_REASON).
    decisions: tuple[Decision, ...]
    origin_target: OriginConfig | None  # desired origin configuration; None = leave it alone
    needs: FactRequest | None  # None = complete; otherwise undetermined versions were skipped
    record_archived: tuple[str, ...]  # Archived versions with no ledger archive time: record "now"
    origin_reason: str = ""  # why origin_target is what it is (or why there is none)
    current_origin: OriginConfig | None = None  # as passed in, so callers can ask whether to write
    # Why an archive usage rule (not_downloaded_for) could select nothing (warm-up, silence, no
    # feed); None when it could, or the policy has none. The worker counts these.
    usage_suspended: str | None = None

    @property
    def origin_change_needed(self) -> bool:
        """A target exists and differs from the current setting (the API writes both halves)."""
        return self.origin_target is not None and self.origin_target != self.current_origin

    def actions(self, action: Action) -> list[Decision]:
        """The decisions with this action, in decision order."""
        return [decision for decision in self.decisions if decision.action == action]
