"""Shared values of the emulator unit tests (a plain module: conftest is not importable)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2025, 1, 1, tzinfo=UTC)
Call = Callable[..., tuple[int, dict[str, Any]]]


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)
