"""Version regexes that could backtrack super-linearly are refused by validate, naming the field.

Regression (issue 17, finding 7): ``versions: ["re:(a+)+$"]`` passed validate and hung
evaluation on ``aaaa…!``; the worker would have timed out on every event of that package.
"""

from __future__ import annotations

from typing import Any

import pytest
from ca_lifecycle.policy import PolicyError, parse_policy
from ca_lifecycle.policy.regex_safety import UnsafeRegexError, check_regex

UNSAFE = [
    ("(a+)+$", "a repeat inside a repeat"),
    ("(a*)*b", "a repeat inside a repeat"),
    ("(x|xy)+z", "an alternation inside a repeat"),
    ("a*a*a*b", "two repeats"),
    (r"\d+\d+$", "two repeats"),
    (".*x?.*!", "two repeats"),
    ("(a)\\1", "backreferences"),
    ("(?=a)a", "lookarounds"),
    ("(?!a)b", "lookarounds"),
    ("(a)?(?(1)b|c)", "conditional groups"),
]
SAFE = [
    r"^1\.0\.",
    r"^\d+\.\d+\.\d+$",
    r"-rc\.\d+$",
    r".*-SNAPSHOT$",
    r"^(\d+)\.",
    r"(\.\d+)*$",
    r"[0-9]+[a-z]+",
    r"(foo|bar)",
    r"^2\.4\.",
    r"(-rc\d+)?$",
]


@pytest.mark.parametrize(("pattern", "why"), UNSAFE)
def test_patterns_that_can_backtrack_are_refused_with_the_reason(pattern: str, why: str) -> None:
    with pytest.raises(UnsafeRegexError, match=why):
        check_regex(pattern)


@pytest.mark.parametrize("pattern", SAFE)
def test_ordinary_version_patterns_stay_allowed(pattern: str) -> None:
    check_regex(pattern)  # raises on refusal


def _document(selectors: list[str]) -> dict[str, Any]:
    return {
        "version": 1,
        "policies": [
            {
                "id": "p",
                "scope": {"domain": "acme"},
                "protect": [{"newest": 1}, {"versions": selectors}],
                "archive": [{"beyond_newest": 3}],
            }
        ],
    }


def test_the_issue_s_regex_fails_validation_with_its_field_path() -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy(_document(["2.4.*", "re:(a+)+$"]))
    assert info.value.errors == [
        "policies[0].protect[1].versions[1]: invalid regex 're:(a+)+$': "
        "a repeat inside a repeat can backtrack exponentially"
    ]


def test_every_accepted_pattern_answers_the_adversarial_versions() -> None:
    # The versions that made (a+)+$ hang; with the accepted patterns each is one bounded scan.
    document = parse_policy(_document([f"re:{p}" for p in SAFE]))
    rule = document.policies[0].protect[1]
    for version in ["a" * 254 + "!", "1." * 127, "9" * 255]:
        assert isinstance(rule.versions_match(version), bool)
