"""Fixtures of the emulator contract suite.

Every test in this folder drives the emulator through the ordinary boto3 ``codeartifact``
client (fixture ``codeartifact``) and seeds data only through the emulator's Python API
(fixture ``emulator``); both fixtures come from ``ca_emulator.pytest_plugin``.
"""

from __future__ import annotations

import pytest
from ca_emulator import Emulator
from emu_contract import DOMAIN, REPO


@pytest.fixture
def repo(emulator: Emulator) -> Emulator:
    """Given domain ``acme`` with repository ``release`` (the setting of most tests)."""
    emulator.create_domain(DOMAIN)
    emulator.create_repository(DOMAIN, REPO)
    return emulator
