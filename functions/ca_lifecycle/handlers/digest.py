"""Digest Lambda (EventBridge Scheduler target, daily by default): one digest per policy domain.

Thin: parse the settings, build the digests read-only, deliver each (SNS), return a summary.
A domain whose digest was not accepted fails the invocation after the others were sent, so
Lambda's retry and the function's error alarm see it; its disposals stay unannounced.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ca_lifecycle.app.digest import Notifier, build_digests, deliver_digest
from ca_lifecycle.handlers import _dependencies
from ca_lifecycle.observability import logger, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

_notifier: Notifier | None = None


class DigestNotDeliveredError(RuntimeError):
    """At least one domain's digest was refused; what it announced is not noticed."""


def set_notifier(notifier: Notifier | None) -> None:
    """Replace the cached notifier (tests, the demo); None rebuilds it from the environment."""
    global _notifier  # noqa: PLW0603 - one per execution environment, like the dependencies
    _notifier = notifier


def _settings_and_notifier() -> tuple[Any, Notifier]:
    from ca_lifecycle.config import load_digest_settings
    from ca_lifecycle.notify import SnsNotifier

    global _notifier  # noqa: PLW0603
    settings = load_digest_settings()
    if _notifier is None:
        _notifier = SnsNotifier(settings.topic_arn)
    return settings, _notifier


def _account_of(context: LambdaContext) -> str | None:
    parts = str(getattr(context, "invoked_function_arn", "") or "").split(":")
    return parts[4] if len(parts) > 4 and parts[4].isdigit() else None


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any] | None, context: LambdaContext) -> dict[str, Any]:
    from ca_lifecycle.policy import parse_duration

    deps = _dependencies()
    settings, notifier = _settings_and_notifier()
    now = deps.clock()
    digests = build_digests(
        deps.document,
        deps.gateway,
        deps.ledger,
        now,
        within=parse_duration(settings.within),
        default_owner=_account_of(context),
        price_per_gb_month=settings.price_per_gb_month,
    )
    deliveries = [deliver_digest(d, notifier, deps.ledger, delivered_at=deps.clock()) for d in digests]
    summary = {
        "digests": [
            {"domain": d.domain, "digest_id": r.digest_id, "delivered": r.delivered, "announced": r.announced}
            for d, r in zip(digests, deliveries, strict=True)
        ]
    }
    logger.info("digests", extra=summary)
    refused = [r for r in deliveries if not r.delivered]
    if refused:
        raise DigestNotDeliveredError("; ".join(f"{r.digest_id}: {r.error}" for r in refused))
    return summary
