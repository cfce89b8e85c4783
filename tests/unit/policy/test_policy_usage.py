"""The usage keys and the `usage` section of the policy: validation names the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from ca_lifecycle.policy import PolicyError, parse_policy


def _doc(**extra: object) -> dict[str, object]:
    return {
        "version": 1,
        "policies": [
            {
                "id": "p",
                "scope": {"domain": "acme"},
                "protect": [{"downloaded_within": "30d"}],
                "archive": [{"not_downloaded_for": "180d"}],
            }
        ],
        **extra,
    }


def test_usage_rules_and_settings_parse() -> None:
    document = parse_policy(
        _doc(
            usage={
                "ignore_principals": ["arn:aws:sts::*:assumed-role/scanner/*"],
                "ignore_user_agents": ["Trivy*", "re:^curl/"],
                "max_silence": "2d",
            }
        )
    )
    assert document.uses_usage
    assert document.usage.max_silence == timedelta(days=2)
    assert document.usage.principal_ignored("arn:aws:sts::111122223333:assumed-role/scanner/x")
    assert not document.usage.principal_ignored("arn:aws:sts::111122223333:assumed-role/ci/x")
    assert document.usage.agent_ignored("Trivy/0.50")
    assert document.usage.agent_ignored("curl/8.0")
    assert not document.usage.agent_ignored("npm/10.8.1 node/v20")


def test_defaults_and_a_policy_without_usage_rules() -> None:
    plain = parse_policy({"version": 1, "policies": [{"id": "p", "scope": {"domain": "acme"}}]})
    assert not plain.uses_usage
    assert plain.usage.max_silence == timedelta(days=1)


@pytest.mark.parametrize(
    ("usage", "field"),
    [
        ({"ignore_user_agents": ["re:(a+)+$"]}, "usage.ignore_user_agents[0]"),
        ({"max_silence": "soon"}, "usage.max_silence"),
        ({"ignore_principal": []}, "usage.ignore_principal"),
    ],
)
def test_bad_usage_settings_name_the_field(usage: dict[str, object], field: str) -> None:
    with pytest.raises(PolicyError, match=field.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        parse_policy(_doc(usage=usage))


def test_a_bad_usage_window_names_the_rule() -> None:
    document = _doc()
    document["policies"][0]["archive"] = [{"not_downloaded_for": "-3d"}]  # type: ignore[index]
    with pytest.raises(PolicyError, match=r"policies\[0\]\.archive\[0\]\.not_downloaded_for"):
        parse_policy(document)
