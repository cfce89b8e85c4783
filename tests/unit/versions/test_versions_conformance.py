"""Each scheme against its reference implementation's own test vectors (see conformance.py).

The exception lists are exact: a new disagreement fails, and so does an unexpected fix, so
docs/version-ordering.md (which explains every listed exception) cannot drift from the code.
"""

from __future__ import annotations

import json

import pytest
from conformance import SUITES, VECTORS, agreement

TARGET = 0.995

# Disagreements left on purpose, per vector file; docs/version-ordering.md gives the reason.
KNOWN_EXCEPTIONS: dict[str, list[str]] = {
    "maven": [],
    "maven_oracle": [],
    "nuget": [],
    "semver": [],
    "pep440": [],
    "ruby": [],
}

# Floors on the number of checks, so a vector file cannot silently shrink to nothing.
MINIMUM_CHECKS = {
    "maven": 950,
    "maven_oracle": 40_000,
    "nuget": 220,
    "semver": 95,
    "pep440": 4_400,
    "ruby": 85,
}


@pytest.mark.parametrize("suite", list(SUITES))
def test_given_the_upstream_vectors_when_checked_then_agreement_meets_the_target(suite: str) -> None:
    result = agreement(suite)
    assert result.checks >= MINIMUM_CHECKS[suite]
    assert result.failures == KNOWN_EXCEPTIONS[suite]
    assert result.ratio >= TARGET


@pytest.mark.parametrize("suite", list(SUITES))
def test_given_a_vector_file_when_read_then_it_names_its_upstream_source(suite: str) -> None:
    upstream = json.loads((VECTORS / f"{suite}.json").read_text(encoding="utf-8"))["upstream"]
    assert "/" in upstream["repository"]
    assert len(upstream["commit"]) == 40
    assert upstream.get("path") or upstream.get("paths")


def test_given_a_broken_scheme_when_checked_then_the_failures_are_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The harness must be able to fail: with every key equal, the ascending checks all fail.
    import conformance
    from ca_lifecycle.versions import ParsedVersion

    monkeypatch.setattr(
        conformance,
        "parse_version",
        lambda scheme, text: ParsedVersion(key=(0,), prerelease=False, release=(0, 0, 0)),
    )
    result = agreement("semver")
    assert result.failures
    assert "'0.0.0-foo' < '0.0.0'" in result.failures
    assert result.ratio < TARGET
