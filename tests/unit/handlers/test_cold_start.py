"""Cold start: the worker's import leaves the X-Ray SDK and Powertools' parser models out; the
lazy tracer still traces once a traced invocation runs. Counted in modules and calls, never timed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ca_lifecycle import observability
from ca_lifecycle.events import EventBridgeEnvelope

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import json, sys
import ca_lifecycle.handlers.worker, ca_lifecycle.handlers.sweep
print(json.dumps(sorted(m for m in sys.modules
    if m.startswith(("aws_xray_sdk", "aws_lambda_powertools.utilities.parser")))))
"""


def test_importing_the_handlers_loads_neither_the_xray_sdk_nor_the_parser_models() -> None:
    # Given a fresh interpreter configured as in Lambda with active tracing
    env = {**os.environ, "PYTHONPATH": str(ROOT / "functions"), "LAMBDA_TASK_ROOT": str(ROOT)}
    env.pop("POWERTOOLS_TRACE_DISABLED", None)
    # When both handler modules are imported
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, env=env, cwd=ROOT
    ).stdout
    # Then neither module family was imported
    assert json.loads(out) == []


class FakeTracer:
    def __init__(self) -> None:
        self.wrapped: list[dict[str, Any]] = []
        self.calls = 0

    def capture_lambda_handler(self, handler: Any, **options: Any) -> Any:
        self.wrapped.append(options)

        def traced(event: Any, context: Any) -> Any:
            self.calls += 1
            return handler(event, context)

        return traced


def test_the_lazy_tracer_wraps_the_handler_once_on_its_first_traced_invocation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a lazy tracer in a Lambda environment with tracing on, its Tracer a fake
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    monkeypatch.delenv("POWERTOOLS_TRACE_DISABLED", raising=False)
    lazy = observability.LazyTracer(service="test")
    fake = FakeTracer()
    made: list[str] = []

    def make() -> FakeTracer:
        made.append("tracer")
        return fake

    monkeypatch.setattr(observability.LazyTracer, "tracer", property(lambda _self: make()))

    @lazy.capture_lambda_handler(capture_response=False)
    def handler(event: dict[str, int], _context: object) -> int:
        return event["n"] * 2

    # When nothing has run yet, then no Tracer exists
    assert made == []
    # When it is invoked twice
    results = [handler({"n": 1}, None), handler({"n": 2}, None)]
    # Then the Tracer was made and applied once, with our options, and traced both calls
    assert results == [2, 4]
    assert made == ["tracer"]
    assert fake.wrapped == [{"capture_response": False, "capture_error": None}]
    assert fake.calls == 2


def test_no_tracer_is_made_where_powertools_would_disable_tracing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given tracing disabled by Powertools' variable
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    lazy = observability.LazyTracer(service="test")

    @lazy.capture_lambda_handler(capture_response=False)
    def handler(_event: object, _context: object) -> str:
        return "ok"

    # When invoked, then the handler runs and no Tracer (no X-Ray recorder, no socket) exists
    assert handler({}, None) == "ok"
    assert lazy._tracer is None
    # and outside Lambda it is disabled too, as Powertools decides
    monkeypatch.delenv("POWERTOOLS_TRACE_DISABLED")
    monkeypatch.delenv("LAMBDA_TASK_ROOT")
    assert observability.tracing_disabled()


def test_the_local_envelope_has_powertools_eventbridge_fields_and_aliases() -> None:
    from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

    def shape(model: Any) -> dict[str, str | None]:
        return {name: field.alias for name, field in model.model_fields.items()}

    assert shape(EventBridgeEnvelope) == shape(EventBridgeModel)
