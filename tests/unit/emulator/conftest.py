"""Helpers for the emulator's own unit tests: drive ``Emulator.handle`` without a socket."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from ca_emulator import Emulator
from ca_emulator.protocol import service_model
from emulator_unit_helpers import Call, at


@pytest.fixture
def emu() -> Emulator:
    """An emulator with domain acme / repository release and a fixed clock."""
    emulator = Emulator(clock=lambda: at(10_000))
    emulator.create_domain("acme")
    emulator.create_repository("acme", "release")
    return emulator


@pytest.fixture
def call(emu: Emulator) -> Call:
    """call(Operation, **params) -> (status, parsed body): the params go where the model puts them."""

    def _call(operation: str, **params: Any) -> tuple[int, dict[str, Any]]:
        model = service_model().operation_model(operation)
        assert model.input_shape is not None
        query: dict[str, Any] = {}
        body: dict[str, Any] = {}
        for name, value in params.items():
            member = model.input_shape.members[name]
            if member.serialization.get("location") == "querystring":
                query[member.serialization["name"]] = value
            else:
                body[name] = value
        target = model.http["requestUri"] + ("?" + urlencode(query) if query else "")
        status, _, raw = emu.handle(
            model.http["method"], target, {}, json.dumps(body).encode() if body else b""
        )
        return status, json.loads(raw)

    return _call
