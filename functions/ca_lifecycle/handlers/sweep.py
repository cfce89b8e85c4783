"""Sweep Lambda (EventBridge Scheduler target): enqueue one repository page per repository in scope.

It lists only repositories, so it finishes in seconds whatever the domain's size; the worker
then lists packages a page at a time and enqueues one item per package (resumable: each page
carries the next token). Input: ``{"kind": "sweep"}`` (optional) and
``"unlocked_only": true`` to visit only packages whose origin configuration is ALLOW/ALLOW.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ca_lifecycle import observability as obs
from ca_lifecycle.app.dependencies import Dependencies
from ca_lifecycle.app.scope import repository_targets
from ca_lifecycle.handlers import _dependencies
from ca_lifecycle.messages import RepositoryPageItem, SweepRequest
from ca_lifecycle.observability import logger, metrics, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


class SweepError(RuntimeError):
    """Some domains could not be listed (the others were enqueued); the invocation fails visibly."""

    def __init__(self, errors: dict[str, str], enqueued: int) -> None:
        listing = "; ".join(f"{domain}: {error}" for domain, error in errors.items())
        super().__init__(
            f"repositories of {len(errors)} domain(s) not listed ({listing}); {enqueued} enqueued"
        )
        self.errors = errors
        self.enqueued = enqueued


class SweepSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    domains: list[str]
    repositories: list[str]  # "domain/repository" enqueued, in order
    enqueued: int
    unlocked_only: bool


def sweep(deps: Dependencies, default_owner: str | None, *, unlocked_only: bool = False) -> SweepSummary:
    """List repositories of every policy's domain, keep those its globs match, enqueue a page each."""
    walk = repository_targets(deps.document, deps.gateway, default_owner)
    for domain, exc in walk.errors.items():
        logger.error("listing repositories failed", extra={"domain": domain, "error": str(exc)})
    items = [
        RepositoryPageItem(
            domain=t.domain, domain_owner=t.owner, repository=t.repository, unlocked_only=unlocked_only
        )
        for t in walk.targets
    ]
    sent = deps.queue.send(items)
    if walk.errors:
        raise SweepError({domain: str(exc) for domain, exc in walk.errors.items()}, sent)
    return SweepSummary(
        domains=sorted({domain for domain, _ in walk.listed}),
        repositories=[f"{t.domain}/{t.repository}" for t in walk.targets],
        enqueued=sent,
        unlocked_only=unlocked_only,
    )


def _account_of(context: LambdaContext) -> str | None:
    """The function's own account, from its ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)."""
    parts = str(getattr(context, "invoked_function_arn", "") or "").split(":")
    return parts[4] if len(parts) > 4 and parts[4].isdigit() else None


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any] | None, context: LambdaContext) -> dict[str, Any]:
    logger.set_correlation_id((event or {}).get("id") or context.aws_request_id)
    enqueued = 0
    try:
        try:
            request = SweepRequest.model_validate(event or {})
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            raise ValueError(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
        try:
            summary = sweep(_dependencies(), _account_of(context), unlocked_only=request.unlocked_only)
        except SweepError as exc:
            enqueued = exc.enqueued
            raise
        enqueued = summary.enqueued
    finally:
        # Every invocation says how much it enqueued, a failed one included (zero is news).
        obs.count(obs.REPOSITORIES_ENQUEUED, enqueued, keep_zero=True)
    logger.info("sweep enqueued", extra=summary.model_dump())
    return summary.model_dump()
