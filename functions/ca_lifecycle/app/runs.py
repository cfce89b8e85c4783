"""Run reports: every run that wrote something leaves one record of what it wrote and why.

Built from the ``PackageResult``s of a worker batch or a CLI ``apply``; stored through the
ledger's optional ``RunLog`` capability (``ca_lifecycle.ledger.runs``). A run that wrote
nothing (dry-run, nothing due, every write skipped before the call) leaves no record: the
report lists changes, the logs and metrics keep the rest.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime

from ca_lifecycle.app.outcomes import OutcomeKind
from ca_lifecycle.app.package import PackageResult
from ca_lifecycle.facts import Action, PackageRef
from ca_lifecycle.ledger import Ledger
from ca_lifecycle.ledger.runs import RunLog, RunRecord, RunVersion
from ca_lifecycle.policy import PolicyDocument

# GB-month list price of CodeArtifact storage (us-east-1, the AWS pricing page); a flag changes it.
DEFAULT_PRICE_PER_GB_MONTH = 0.05
GB = 1024**3


def policy_digest(document: PolicyDocument) -> str:
    """A short fingerprint of the policy the run applied: equal text, equal digest."""
    canonical = document.model_dump_json(by_alias=True, exclude_none=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()[:16]


def monthly_cost(size: int, price_per_gb_month: float = DEFAULT_PRICE_PER_GB_MONTH) -> float:
    """Storage cost of ``size`` bytes for a month, in dollars (GB = 2^30 bytes, as AWS bills)."""
    return round(size / GB * price_per_gb_month, 6)


def usd(amount: float) -> str:
    """Dollars for people: cents, or "< $0.01" rather than a misleading $0.00."""
    return f"${amount:,.2f}" if amount >= 0.005 or amount == 0 else "< $0.01"


def written_versions(
    results: Iterable[PackageResult], sizes: Mapping[tuple[PackageRef, str], int] | None = None
) -> list[RunVersion]:
    """Every archive or dispose this run attempted (the call was made or refused per version).

    Guard skips decided before any call (not in the confirmed plan, changed concurrently) are
    left out: nothing was written for them. ``sizes``: asset bytes read before the disposals.
    """
    rows: list[RunVersion] = []
    for result in results:
        if not result.applied:
            continue
        ref = result.package
        decisions = {d.version: d for d in result.evaluation.decisions}
        for version, outcome in sorted(result.outcomes.items()):
            decision = decisions.get(version)
            if decision is None or decision.action not in (Action.ARCHIVE, Action.DISPOSE):
                continue
            if outcome.kind is OutcomeKind.NOT_ATTEMPTED or (
                outcome.kind is OutcomeKind.SKIPPED and outcome.code is None
            ):
                continue  # never sent: stopped before it, or a guard skipped it before the call
            rows.append(
                RunVersion(
                    domain=ref.domain,
                    repository=ref.repository,
                    format=ref.format,
                    namespace=ref.namespace,
                    package=ref.name,
                    version=version,
                    action=decision.action.value,
                    rule=decision.rule,
                    outcome=str(outcome),
                    bytes=None if sizes is None else sizes.get((ref, version)),
                )
            )
    return rows


def build_run(
    results: Iterable[PackageResult],
    *,
    trigger: str,
    document: PolicyDocument,
    now: datetime,
    run_id: str | None = None,
    sizes: Mapping[tuple[PackageRef, str], int] | None = None,
    domain_bytes: Mapping[str, tuple[int, int]] | None = None,
) -> RunRecord | None:
    """The run's record, or None when it wrote nothing."""
    versions = written_versions(results, sizes)
    if not versions:
        return None
    return RunRecord(
        run_id=run_id or uuid.uuid4().hex,
        trigger=trigger,
        at=now,
        policy_digest=policy_digest(document),
        mode=document.mode.value,
        versions=tuple(versions),
        domain_bytes=dict(domain_bytes or {}),
    )


def record_run(ledger: Ledger, run: RunRecord | None) -> bool:
    """Store ``run`` when there is one and the ledger keeps runs; whether it was stored."""
    if run is None or not isinstance(ledger, RunLog):
        return False
    ledger.record_run(run)
    return True
