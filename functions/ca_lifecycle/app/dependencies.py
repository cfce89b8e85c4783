"""The ports the worker's and the sweep's use cases run on, bundled so adapters wire them once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ca_lifecycle.app.package import PackageResult
    from ca_lifecycle.facts import OriginConfig, PackageRef
    from ca_lifecycle.gateway import Gateway
    from ca_lifecycle.ledger import Ledger
    from ca_lifecycle.policy import PolicyDocument
    from ca_lifecycle.queue import Publisher


class ProcessPackage(Protocol):
    """The signature of ``ca_lifecycle.app.package.process_package`` the use cases rely on."""

    def __call__(
        self,
        package: PackageRef,
        *,
        document: PolicyDocument,
        gateway: Gateway,
        ledger: Ledger,
        now: datetime,
        apply: bool,
        known_published: Mapping[str, datetime] = ...,
        sequence: int | None = ...,
        known_origin: OriginConfig | None = ...,
    ) -> PackageResult: ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Dependencies:
    document: PolicyDocument
    gateway: Gateway
    ledger: Ledger
    queue: Publisher
    process_package: ProcessPackage
    clock: Callable[[], datetime] = field(default=_utc_now)
