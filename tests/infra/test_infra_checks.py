"""cdk-nag AwsSolutions and cfn-lint over the synthesized stacks: zero unsuppressed findings."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Annotations, Match

pytestmark = pytest.mark.infra

STACKS = ["dry", "enforce", "stopped", "forwarder", "notice", "usage"]
# Environment-agnostic stacks are linted for regions of every partition the layer table covers;
# the stopped stack is synthesized for one region.
REGIONS = {"stopped": ["us-gov-west-1"]}
DEFAULT_REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1"]


@pytest.mark.parametrize("stack", STACKS)
def test_cdk_nag_aws_solutions_has_no_unsuppressed_errors_or_warnings(synthesized: Any, stack: str) -> None:
    annotations = Annotations.from_stack(getattr(synthesized, stack).stack)
    pattern = Match.string_like_regexp("AwsSolutions-.*")
    findings = [
        f"{message.id}: {message.entry.data}"
        for message in annotations.find_error("*", pattern) + annotations.find_warning("*", pattern)
    ]
    assert findings == []


def _suppressions(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for name, body in template["Resources"].items():
        for rule in body.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
            found.append((name, rule))
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_every_nag_suppression_is_narrow_and_carries_a_reason(synthesized: Any, stack: str) -> None:
    suppressions = _suppressions(getattr(synthesized, stack).json)
    assert suppressions  # the design does accept some findings; each must be explained
    for resource, rule in suppressions:
        assert len(rule["reason"]) >= 60, (resource, rule)
        # Wildcard acceptance is always limited to named resource patterns, never the whole rule
        if rule["id"] == "AwsSolutions-IAM5":
            assert rule.get("applies_to"), (resource, rule)


@pytest.mark.parametrize("stack", STACKS)
def test_cfn_lint_is_clean(synthesized: Any, stack: str) -> None:
    from cfnlint.api import ManualArgs, lint

    # Given the template exactly as synthesized
    template = json.dumps(getattr(synthesized, stack).json)
    # When cfn-lint checks it for regions the stack may be deployed to (all rules, incl. informational)
    found = lint(template, config=ManualArgs(regions=REGIONS.get(stack, DEFAULT_REGIONS)))
    # Then there is nothing to report
    assert [f"{m.rule.id} {'/'.join(map(str, m.path))}: {m.message}" for m in found] == []
