"""Stage the Lambda asset as a plain folder: no Docker, no pip, deterministic content.

The folder holds a copy of the ``ca_lifecycle`` package (without caches and tests) and the
validated policy as ``policy.json`` at its root. Third-party dependencies come from the
Powertools layer, so nothing else belongs here. CDK hashes the folder's content, so an
unchanged package and policy produce an unchanged asset and no function update.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from infra.constants import POLICY_FILE_NAME

# Never shipped: byte code (the runtime compiles its own), tests, type-checker and editor debris.
_IGNORED: Callable[[Any, list[str]], set[str]] = shutil.ignore_patterns(
    "__pycache__", "*.pyc", "*.pyo", "tests", "test_*.py", ".mypy_cache", ".pytest_cache", "*.egg-info"
)


class DumpableModel(Protocol):
    """What the asset needs of a pydantic model: its JSON-compatible dump."""

    def model_dump(self, *, mode: str) -> dict[str, Any]: ...


def package_source() -> Path:
    """The folder of the installed (or checked-out) ``ca_lifecycle`` package."""
    import ca_lifecycle

    return Path(ca_lifecycle.__file__).resolve().parent


def build_asset(policy: DumpableModel, staging: Path, source: Path | None = None) -> Path:
    """Recreate ``staging`` as ``ca_lifecycle/`` + ``policy.json`` and return it.

    The folder is wiped first so a module deleted from the source can't linger in the asset.
    """
    source = source or package_source()
    if not (source / "__init__.py").is_file():
        raise FileNotFoundError(f"{source} is not a Python package: cannot build the Lambda asset")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    shutil.copytree(source, staging / source.name, ignore=_IGNORED)
    document = policy.model_dump(mode="json")
    # sort_keys keeps the bytes (and so the asset hash) stable across dict-order changes.
    (staging / POLICY_FILE_NAME).write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    return staging
