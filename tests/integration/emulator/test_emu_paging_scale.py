"""Paging cost must not grow with depth: a guard against a quadratic ListPackageVersions.

Counted, not timed (a loaded machine makes any timing flaky): the Python function calls the
emulator makes to answer one page. Source:
https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_ListPackageVersions.html
(maxResults up to 1000, nextToken); the timed 100,000-version measurement is bench/emulator_paging.py.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from types import FrameType
from typing import Any
from urllib.parse import urlencode

from ca_emulator import Emulator
from ca_emulator.server import _Handler
from emu_contract import DOMAIN, REPO, T0
from mypy_boto3_codeartifact import CodeArtifactClient


def _page(emulator: Emulator, package: str, token: str | None) -> tuple[dict[str, Any], int]:
    """One ListPackageVersions page answered in-process, and the function calls it cost."""
    query = {
        "domain": DOMAIN,
        "repository": REPO,
        "format": "generic",
        "namespace": "scale",
        "package": package,
        "max-results": 1000,
        "sortBy": "PUBLISHED_TIME",
    }
    if token:
        query["next-token"] = token
    calls = 0

    def profile(_frame: FrameType, event: str, _arg: Any) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(profile)
    try:
        status, _, raw = emulator.handle("POST", "/v1/package/versions?" + urlencode(query), {}, b"")
    finally:
        sys.setprofile(None)
    assert status == 200, raw
    return json.loads(raw), calls


def test_a_deep_page_of_20000_versions_costs_what_a_first_page_costs(
    repo: Emulator, codeartifact: CodeArtifactClient
) -> None:
    # Given a package of 20,000 versions
    repo.add_versions(
        DOMAIN,
        REPO,
        "generic",
        "scale",
        "large",
        ((f"{i}.0", T0 + timedelta(seconds=i)) for i in range(20_000)),
    )
    # When it is paged fully, 1,000 versions a page
    costs: list[int] = []
    seen: set[str] = set()
    token: str | None = None
    while True:
        page, calls = _page(repo, "large", token)
        costs.append(calls)
        seen.update(v["version"] for v in page["versions"])
        token = page.get("nextToken")
        if not token:
            break
    # Then every version is seen once, and the last page costs about what the first did
    assert (len(costs), len(seen)) == (20, 20_000)
    assert max(costs) <= costs[0] * 1.5, costs
    # and the same walk through boto3 agrees
    listed = codeartifact.list_package_versions(
        domain=DOMAIN, repository=REPO, format="generic", namespace="scale", package="large", maxResults=1000
    )
    assert len(listed["versions"]) == 1000


def test_responses_are_not_held_back_by_nagles_algorithm() -> None:
    # Headers and body go out in two writes; with Nagle on, the second waits for the client's
    # delayed ACK (~40 ms per request on a kept-alive loopback connection). socketserver sets
    # TCP_NODELAY on every accepted connection when the handler asks for it.
    assert _Handler.disable_nagle_algorithm is True
    assert _Handler.protocol_version == "HTTP/1.1"  # keep-alive: a page costs no handshake
