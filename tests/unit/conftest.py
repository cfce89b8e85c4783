"""Unit tests are pure: no test under tests/unit may open a network socket (pytest-socket)."""

from __future__ import annotations

import pytest
from pytest_socket import disable_socket, enable_socket


@pytest.fixture(autouse=True)
def _no_network() -> object:
    # Unix sockets stay allowed: they reach no network (asyncio and some libraries use them).
    disable_socket(allow_unix_socket=True)
    yield
    enable_socket()
