"""Builders for policy documents: a valid minimal document that each test bends one way."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

BASE_POLICY: dict[str, Any] = {
    "id": "base",
    "scope": {"domain": "acme"},
    "archive": [{"beyond_newest": 10}],
}

MakeDoc = Callable[..., dict[str, Any]]


def build_doc(*policies: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A valid document with ``policies`` (default: one copy of BASE_POLICY) and top-level keys."""
    doc: dict[str, Any] = {"version": 1, "policies": [copy.deepcopy(p) for p in policies or (BASE_POLICY,)]}
    doc.update(top)
    return doc


def policy_with(**overrides: Any) -> dict[str, Any]:
    """BASE_POLICY with keys replaced; ``scope`` overrides merge into the base scope."""
    policy = copy.deepcopy(BASE_POLICY)
    scope = overrides.pop("scope", None)
    if isinstance(scope, dict):
        policy["scope"].update(scope)
    elif scope is not None:
        policy["scope"] = scope
    policy.update(overrides)
    return policy


@pytest.fixture
def make_doc() -> MakeDoc:
    return build_doc


@pytest.fixture
def make_policy() -> Callable[..., dict[str, Any]]:
    return policy_with
