"""The Lambda entry points import nothing the asset must not carry, and create no client at import."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import json, sys
import botocore.session
created = []
real_create_client = botocore.session.Session.create_client
def counting_create_client(self, service_name, *args, **kwargs):
    created.append(service_name)
    return real_create_client(self, service_name, *args, **kwargs)
botocore.session.Session.create_client = counting_create_client
import ca_lifecycle.handlers.worker, ca_lifecycle.handlers.sweep
import ca_lifecycle.app.package, ca_lifecycle.gateway, ca_lifecycle.ledger, ca_lifecycle.queue
print(json.dumps({
    "forbidden": sorted(m for m in sys.modules if m.split(".")[0] in ("yaml", "rich", "ca_emulator", "moto")),
    "clients": created,
}))
"""


def test_handler_modules_import_without_yaml_rich_or_the_emulator() -> None:
    # Given a fresh interpreter with only the asset folder on the path
    env = {**os.environ, "PYTHONPATH": str(ROOT / "functions")}
    # When both handler modules are imported
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, env=env, cwd=ROOT
    ).stdout
    # Then none of the CLI/emulator-only packages came along, and none of our AWS clients exists
    # yet (one made at import would predate moto in tests and the endpoint set by the emulator;
    # Powertools' Tracer makes its own X-Ray client, which is its business)
    probe = json.loads(out)
    assert probe["forbidden"] == []
    assert {"codeartifact", "sqs", "dynamodb"}.isdisjoint(probe["clients"]), probe["clients"]


def _calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def test_metrics_are_emitted_only_by_handler_code_and_traces_never_capture_responses() -> None:
    # Given every module of the Lambda asset
    package = ROOT / "functions" / "ca_lifecycle"
    emitting, capturing = set(), []
    for path in package.rglob("*.py"):
        module = str(path.relative_to(package))
        for call in _calls(ast.parse(path.read_text(encoding="utf-8"))):
            name = _dotted(call.func)
            if name in ("obs.count", "count", "metrics.add_metric", "add_metric"):
                emitting.add(module)
            if name.startswith("tracer.capture_"):
                response = {k.arg: k.value for k in call.keywords}.get("capture_response")
                capturing.append((module, isinstance(response, ast.Constant) and response.value is False))
    # Then metrics come from handler code alone (observability only defines the helper) ...
    assert emitting, "no metric emission found: the scan is broken"
    assert all(m.startswith("handlers/") or m == "observability.py" for m in emitting), emitting
    # ... and every traced function keeps its (possibly large) response out of the trace
    assert capturing, "no traced function found: the scan is broken"
    assert all(ok for _, ok in capturing), capturing
