"""``--sizes``: the bytes disposing would stop billing, read with ListPackageVersionAssets.

Imported only when ``--sizes`` is given (it subclasses the gateway, so it imports boto3's side).
Dispose deletes a version's assets, so their sizes must be read before the write: the gateway
here measures every version it is about to dispose, and later lookups hit that cache, so each
disposed version costs one paged ListPackageVersionAssets call, whether planned or applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ca_lifecycle.facts import PackageRef, Status
from ca_lifecycle.gateway import CodeArtifactGateway, WriteResult

if TYPE_CHECKING:
    from mypy_boto3_codeartifact import CodeArtifactClient

UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


class SizingGateway(CodeArtifactGateway):
    """The pipeline's gateway, remembering each version's asset bytes, read before any dispose."""

    def __init__(self, client: CodeArtifactClient | None = None) -> None:
        super().__init__(client)
        self.measured: dict[tuple[PackageRef, str], int] = {}

    def measure(self, package: PackageRef, version: str) -> int:
        key = (package, version)
        if key not in self.measured:
            self.measured[key] = self.version_asset_bytes(package, version)
        return self.measured[key]

    def dispose(self, package: PackageRef, versions: Mapping[str, str], expected: Status) -> WriteResult:
        for version in sorted(versions):
            self.measure(package, version)  # afterwards the assets, and their sizes, are gone
        return super().dispose(package, versions, expected)


def human_bytes(count: int) -> str:
    """Binary units, one decimal above bytes: 0 B, 1023 B, 1.0 KiB, 1.5 MiB, 2.0 GiB."""
    if count < 1024:
        return f"{count} B"
    value = count / 1024
    for unit in UNITS[1:-1]:
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} {UNITS[-1]}"
