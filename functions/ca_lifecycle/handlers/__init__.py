"""Thin Lambda handlers and the one place their dependencies are built.

``_dependencies()`` builds everything from the environment on first use and caches it for
the life of the execution environment (clients are reused across invocations). Tests and the
demo replace the whole set with ``set_dependencies`` instead of patching logic.
"""

from __future__ import annotations

from ca_lifecycle.app.dependencies import Dependencies

_cached: Dependencies | None = None


def build_dependencies() -> Dependencies:
    """Everything from the environment: settings, policy file, lazily-connecting clients."""
    from ca_lifecycle.app.package import process_package
    from ca_lifecycle.config import load_settings
    from ca_lifecycle.gateway import CodeArtifactGateway
    from ca_lifecycle.ledger import DynamoDBLedger
    from ca_lifecycle.policy import load_policy
    from ca_lifecycle.queue import WorkQueue

    settings = load_settings()
    return Dependencies(
        document=load_policy(settings.policy_path),
        gateway=CodeArtifactGateway(),
        ledger=DynamoDBLedger(settings.ledger_table),
        queue=WorkQueue(settings.work_queue_url),
        process_package=process_package,
    )


def _dependencies() -> Dependencies:
    global _cached  # noqa: PLW0603 - one cached set per execution environment, by design
    if _cached is None:
        _cached = build_dependencies()
    return _cached


def set_dependencies(dependencies: Dependencies | None) -> None:
    """Replace the cached dependencies (``None`` = rebuild from the environment on next use)."""
    global _cached  # noqa: PLW0603
    _cached = dependencies
