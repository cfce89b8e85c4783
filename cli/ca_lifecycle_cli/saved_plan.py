"""Saved plans: ``plan --out FILE`` writes exactly the writes it showed; ``apply --plan FILE``
makes those writes and no others, each guarded by its revision and expected status.

A plan is bound to the policy it was made under (a SHA-256 digest of the validated policy)
and expires (default 24 h): applied under another policy, or late, it is refused.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ca_lifecycle.facts import Action, PackageRef, Status
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ca_lifecycle_cli.common import CliError, iso

if TYPE_CHECKING:
    from ca_lifecycle.app.package import PlannedWrite
    from ca_lifecycle.policy import PolicyDocument

    from ca_lifecycle_cli.common import ScanReport

PLAN_FORMAT: Literal["ca-lifecycle-plan/1"] = "ca-lifecycle-plan/1"
MAX_EXPIRY = timedelta(days=30)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlannedVersion(_Model):
    version: str = Field(min_length=1)
    revision: str = Field(min_length=1)
    status: Literal["Published", "Unlisted", "Archived"]  # the expectedStatus of the write
    action: Literal["archive", "dispose"]
    reason: str


class PlannedPackage(_Model):
    domain: str = Field(min_length=1)
    domain_owner: str | None
    repository: str = Field(min_length=1)
    format: str = Field(min_length=1)
    namespace: str | None
    package: str = Field(min_length=1)
    writes: list[PlannedVersion]

    def ref(self) -> PackageRef:
        return PackageRef(
            self.domain, self.repository, self.format, self.namespace, self.package, self.domain_owner
        )

    def allowed(self) -> dict[str, PlannedWrite]:
        from ca_lifecycle.app.package import PlannedWrite

        return {w.version: PlannedWrite(Action(w.action), Status(w.status), w.revision) for w in self.writes}


class SavedPlan(_Model):
    format: Literal["ca-lifecycle-plan/1"]
    created: datetime
    expires: datetime
    policy_digest: str = Field(pattern=r"^sha256:[0-9a-f]{64}$")
    policy_file: str
    mode: Literal["dry-run", "enforce"]
    packages: list[PlannedPackage]

    @property
    def count(self) -> int:
        return sum(len(p.writes) for p in self.packages)

    @property
    def expires_text(self) -> str:
        return iso(self.expires) or ""


def policy_digest(document: PolicyDocument) -> str:
    """The validated policy's content, independent of its file's formatting and comments."""
    canonical = json.dumps(document.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_expiry(text: str) -> timedelta:
    from ca_lifecycle.policy import parse_duration

    try:
        duration = parse_duration(text)
    except ValueError as exc:
        raise CliError(f"--expires: {exc}") from None
    if not timedelta(0) < duration <= MAX_EXPIRY:
        raise CliError(f"--expires: {text!r}: use a duration above 0 and at most 30d")
    return duration


def write_plan(
    path: Path, report: ScanReport, document: PolicyDocument, policy_file: str, expires_in: timedelta
) -> SavedPlan:
    """Save what ``report`` would write. Times are real (made now, expiring from now), whatever
    the plan's --now: a plan is a promise about writes, not about a clock."""
    made = datetime.now(UTC).replace(microsecond=0)
    packages: list[PlannedPackage] = []
    for result in report.results:
        ref = result.package
        writes = [
            PlannedVersion(
                version=d.version,
                revision=d.revision,
                status=d.status.value,  # type: ignore[arg-type]  # only live/Archived act
                action=d.action.value,  # type: ignore[arg-type]
                reason=d.reason,
            )
            for d in result.evaluation.decisions
            if d.action in (Action.ARCHIVE, Action.DISPOSE) and d.revision
        ]
        if writes:
            packages.append(
                PlannedPackage(
                    domain=ref.domain,
                    domain_owner=ref.domain_owner,
                    repository=ref.repository,
                    format=ref.format,
                    namespace=ref.namespace,
                    package=ref.name,
                    writes=writes,
                )
            )
    plan = SavedPlan(
        format=PLAN_FORMAT,
        created=made,
        expires=made + expires_in,
        policy_digest=policy_digest(document),
        policy_file=policy_file,
        mode=document.mode.value,
        packages=packages,
    )
    if not path.parent.is_dir():
        raise CliError(f"--out: folder {path.parent} does not exist")
    path.write_text(plan.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return plan


def read_plan(path: Path, document: PolicyDocument, now: datetime) -> SavedPlan:
    """The saved plan at ``path``, refused (one line, exit 2) when unreadable, made under
    another policy, or expired."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"--plan: cannot read {path}: {exc.strerror or exc}") from None
    try:
        plan = SavedPlan.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "(document)"
        raise CliError(f"--plan: {path} is not a saved plan: {where}: {first['msg']}") from None
    if plan.policy_digest != policy_digest(document):
        raise CliError(
            f"--plan: {path} was made under another policy (made from {plan.policy_file}): "
            "make a new plan with this policy"
        )
    if now >= plan.expires:
        raise CliError(f"--plan: {path} expired at {plan.expires_text}: make a new plan")
    return plan
