"""Helpers for reading synthesized CloudFormation templates in the infra tests."""

from __future__ import annotations

from typing import Any

DRY_RUN_POLICY = """\
version: 1
mode: dry-run
policies:
  - id: acme-npm
    scope:
      domain: acme
      domain_owner: "111122223333"
      packages: ["/npm/*"]
    archive:
      - beyond_newest: 20
  - id: beta-everything
    scope:
      domain: beta
    archive:
      - beyond_newest: 50
"""
NOTICE_POLICY = """\
version: 1
mode: enforce
policies:
  - id: acme-npm
    scope:
      domain: acme
      domain_owner: "111122223333"
      packages: ["/npm/*"]
    archive:
      - beyond_newest: 20
    dispose: {archived_for: 60d, notice: 7d}
"""
OWNER = "111122223333"
ENGINE_ACCOUNT = "444455556666"
STOPPED_REGION = "us-gov-west-1"
STOPPED_LEDGER = "codeartifact-lifecycle-ledger-from-before"
ENFORCE_SETTINGS: dict[str, Any] = {
    "alarm_email": "platform-alerts@example.com",
    "sweep_schedule": "rate(12 hours)",
    "worker_max_concurrency": 5,
}


def render(value: Any) -> Any:
    """CloudFormation value as a readable string: joins flattened, pseudo-parameters as ${Name}."""
    if isinstance(value, dict):
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(str(render(part)) for part in parts)
        if "Ref" in value:
            return "${" + value["Ref"] + "}"
        if "Fn::GetAtt" in value:
            return "${" + ".".join(value["Fn::GetAtt"]) + "}"
        if "Fn::FindInMap" in value:
            return "${Map:" + "/".join(str(render(part)) for part in value["Fn::FindInMap"]) + "}"
        return {key: render(item) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item) for item in value]
    return value


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: body for name, body in template["Resources"].items() if body["Type"] == kind}


def domain_rules(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The engine's per-domain rules (pinned to an owner), not the ignored-events rule."""
    return {
        name: body
        for name, body in resources(template, "AWS::Events::Rule").items()
        if "domainOwner" in body["Properties"]["EventPattern"]["detail"]
    }


def ignored_events_rule(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    (match,) = [
        (name, body)
        for name, body in resources(template, "AWS::Events::Rule").items()
        if "domainOwner" not in body["Properties"]["EventPattern"]["detail"]
    ]
    return match


def function_by_handler(template: dict[str, Any], handler: str) -> tuple[str, dict[str, Any]]:
    (match,) = [
        (name, body)
        for name, body in resources(template, "AWS::Lambda::Function").items()
        if body["Properties"].get("Handler") == handler
    ]
    return match


def role_statements(template: dict[str, Any], role_logical_id: str) -> list[dict[str, Any]]:
    """Every statement granted to one role: inline policies and attached AWS::IAM::Policy resources."""
    statements: list[dict[str, Any]] = []
    role = template["Resources"][role_logical_id]["Properties"]
    for policy in role.get("Policies", []):
        statements.extend(policy["PolicyDocument"]["Statement"])
    for body in resources(template, "AWS::IAM::Policy").values():
        if {"Ref": role_logical_id} in body["Properties"]["Roles"]:
            statements.extend(body["Properties"]["PolicyDocument"]["Statement"])
    return [render(statement) for statement in statements]


def actions_of(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def resources_of(statement: dict[str, Any]) -> list[str]:
    resource = statement["Resource"]
    return [resource] if isinstance(resource, str) else list(resource)
