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
from ca_lifecycle.handlers import Dependencies, _dependencies
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
    listed: dict[tuple[str, str | None], list[str]] = {}
    errors: dict[str, str] = {}
    targets: dict[tuple[str, str | None, str], None] = {}
    for policy in deps.document.policies:
        scope = policy.scope
        # A policy without domain_owner means the caller's own account; resolving it here
        # keeps ledger keys (which include the owner) identical to the events' keys.
        owner = scope.domain_owner or default_owner
        if (scope.domain, owner) not in listed:
            try:
                listed[(scope.domain, owner)] = deps.gateway.list_repositories(scope.domain, owner)
            except Exception as exc:
                # One unreachable domain must not starve the others; the sweep still fails below.
                logger.exception("listing repositories failed", extra={"domain": scope.domain})
                listed[(scope.domain, owner)] = []
                errors[scope.domain] = str(exc)
        for repository in listed[(scope.domain, owner)]:
            if scope.matches_repository(repository):
                targets.setdefault((scope.domain, owner, repository), None)
    items = [
        RepositoryPageItem(
            domain=domain, domain_owner=owner, repository=repository, unlocked_only=unlocked_only
        )
        for domain, owner, repository in targets
    ]
    sent = deps.queue.send(items)
    if errors:
        raise SweepError(errors, sent)
    return SweepSummary(
        domains=sorted({domain for domain, _ in listed}),
        repositories=[f"{domain}/{repository}" for domain, _, repository in targets],
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
