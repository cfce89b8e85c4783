"""Asset records, and the plausible default assets of a version seeded without ``assets``.

Seeded versions carry no bytes. Without defaults every size would be 0 (a dispose "freeing"
nothing, a domain of thousands of versions weighing nothing), so a version seeded without an
``assets`` list gets the files its format's package manager would have uploaded, named as
CodeArtifact lists them (user guide, list-assets.html: "An npm package always has a single
asset with a name of package.tgz"; a pypi version lists its wheel and its sdist). Sizes and
hashes are derived from the version's coordinates: deterministic, non-zero, and the same for
the same version in two repositories of a domain (CodeArtifact stores an asset once per domain).
An explicit ``assets: []`` still means none.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

# Per format: (asset name template, smallest size, size spread) for each default asset.
# Templates see {name} (pypi: with "-" as "_", as wheel and sdist file names have it) and {version}.
_DEFAULTS: dict[str, tuple[tuple[str, int, int], ...]] = {
    "npm": (("package.tgz", 2_000, 400_000),),
    "pypi": (
        ("{name}-{version}-py3-none-any.whl", 4_000, 600_000),
        ("{name}-{version}.tar.gz", 2_000, 300_000),
    ),
    "maven": (("{name}-{version}.jar", 8_000, 2_000_000), ("{name}-{version}.pom", 900, 9_000)),
    "nuget": (("{name}.{version}.nupkg", 10_000, 1_500_000),),
    "ruby": (("{name}-{version}.gem", 5_000, 400_000),),
    "cargo": (("{name}-{version}.crate", 3_000, 300_000),),
    "swift": (("{name}-{version}.zip", 10_000, 900_000),),
    "generic": (("{name}-{version}.tar.gz", 1_000, 5_000_000),),
}

_PYPI_FILE_NAME = re.compile(r"[-_.]+")


@dataclass(slots=True)
class Asset:
    name: str
    size: int
    hashes: dict[str, str]
    # The bytes of a published asset; None for seeded ones (GetPackageVersionAsset serves filler).
    content: bytes | None = None


def hashes_of(content: bytes) -> dict[str, str]:
    """The four hashes ListPackageVersionAssets reports."""
    return {
        "MD5": hashlib.md5(content, usedforsecurity=False).hexdigest(),
        "SHA-1": hashlib.sha1(content, usedforsecurity=False).hexdigest(),
        "SHA-256": hashlib.sha256(content).hexdigest(),
        "SHA-512": hashlib.sha512(content).hexdigest(),
    }


def stand_in(identity: str, name: str, size: int) -> Asset:
    """A seeded asset: its hashes are those of a stand-in text naming the version and the file."""
    return Asset(name, size, hashes_of(f"{identity}/{name}:{size}".encode()))


def default_asset_count(fmt: str) -> int:
    return len(_DEFAULTS[fmt])


def default_assets(fmt: str, namespace: str | None, name: str, version: str) -> dict[str, Asset]:
    """The default assets of a seeded version, by name (deterministic from its coordinates)."""
    file_stem = _PYPI_FILE_NAME.sub("_", name) if fmt == "pypi" else name
    identity = f"{fmt}/{namespace or ''}/{name}/{version}"
    out: dict[str, Asset] = {}
    for template, low, spread in _DEFAULTS[fmt]:
        asset_name = template.format(name=file_stem, version=version)
        digest = hashlib.sha256(f"{identity}/{asset_name}".encode()).digest()
        size = low + int.from_bytes(digest[:8], "big") % spread
        out[asset_name] = stand_in(identity, asset_name, size)
    return out


def filler(asset: Asset) -> bytes:
    """``asset.size`` bytes to download for a seeded asset (which has no real content)."""
    if asset.content is not None:
        return asset.content
    pattern = f"{asset.name}:{asset.hashes['SHA-256']}\n".encode()
    return (pattern * (asset.size // len(pattern) + 1))[: asset.size]
