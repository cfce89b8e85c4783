"""A process that dies: the exception the Lambda runtime's kill looks like to our code, and a
ledger that writes nothing once its process is dead."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from ca_lifecycle.facts import PackageRef
from ca_lifecycle.ledger import Intent, LocalLedger, VersionRecord


class Killed(BaseException):
    """The Lambda runtime ending the process at its timeout: no handler, nothing after it runs."""


class MortalLedger(LocalLedger):
    """Writes nothing once ``dead`` (as a killed Lambda would not)."""

    dead = False

    def record_versions(self, package: PackageRef, updates: Mapping[str, VersionRecord]) -> None:
        if not self.dead:
            super().record_versions(package, updates)

    def record_intent(self, package: PackageRef, intent: Intent) -> None:
        if not self.dead:
            super().record_intent(package, intent)

    def clear_intent(self, package: PackageRef, intent_id: str) -> None:
        if not self.dead:
            super().clear_intent(package, intent_id)

    def record_evaluation(self, package: PackageRef, at: datetime, sequence: int | None) -> None:
        if not self.dead:
            super().record_evaluation(package, at, sequence)
