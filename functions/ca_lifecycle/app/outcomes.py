"""What became of one intended write: a typed value, rendered as text only at the edges."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OutcomeKind(StrEnum):
    DONE = "done"
    SKIPPED = "skipped"  # a guard stopped it: a concurrent change, or not in the confirmed plan
    FAILED = "failed"  # the API refused it (apply exits 1)
    NOT_ATTEMPTED = "not attempted"  # the run stopped before it (an error, Ctrl-C)
    UNCHANGED = "unchanged"  # origin only: already as wanted
    PLANNED = "planned"  # origin only: dry-run


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: OutcomeKind
    code: str | None = None  # the API's error code, or our own reason code
    message: str = ""

    def __str__(self) -> str:
        detail = " ".join(part for part in (self.code, self.message) if part)
        return f"{self.kind.value}: {detail}" if detail else self.kind.value

    @property
    def done(self) -> bool:
        return self.kind is OutcomeKind.DONE

    @property
    def failed(self) -> bool:
        return self.kind is OutcomeKind.FAILED


DONE = Outcome(OutcomeKind.DONE)
NOT_ATTEMPTED = Outcome(OutcomeKind.NOT_ATTEMPTED)
UNCHANGED = Outcome(OutcomeKind.UNCHANGED)
PLANNED = Outcome(OutcomeKind.PLANNED)


def skipped(code: str | None, message: str = "") -> Outcome:
    return Outcome(OutcomeKind.SKIPPED, code, message)


def failed(code: str | None, message: str = "") -> Outcome:
    return Outcome(OutcomeKind.FAILED, code, message)
