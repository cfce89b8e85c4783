"""The Lambda entry points import nothing the asset must not carry, and create no client at import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import json, sys
import ca_lifecycle.handlers.worker, ca_lifecycle.handlers.sweep
import botocore.client
print(json.dumps({
    "forbidden": sorted(m for m in sys.modules if m.split(".")[0] in ("yaml", "rich", "ca_emulator", "moto")),
}))
"""


def test_handler_modules_import_without_yaml_rich_or_the_emulator() -> None:
    # Given a fresh interpreter with only the asset folder on the path
    env = {**os.environ, "PYTHONPATH": str(ROOT / "functions")}
    # When both handler modules are imported
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, env=env, cwd=ROOT
    ).stdout
    # Then none of the CLI/emulator-only packages came along
    assert json.loads(out) == {"forbidden": []}
