"""Loading policy files (YAML/JSON), their errors, round trips, and the committed JSON Schema."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from ca_lifecycle.policy import PolicyDocument, PolicyError, load_policy, parse_policy, policy_json_schema

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
MakeDoc = Callable[..., dict[str, Any]]


def load_error(path: Path) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    return info.value


def test_design_example_loads_completely() -> None:
    # Given the DESIGN.md example / When loaded / Then every key arrives as written
    document = load_policy(EXAMPLES / "policy.yaml")
    policy = document.policies[0]
    assert (document.mode, policy.id, policy.ordering, policy.origin_lock) == (
        "dry-run",
        "npm-libraries",
        "auto",
        "auto",
    )
    assert (policy.scope.domain, policy.scope.domain_owner) == ("acme", "111122223333")
    assert policy.scope.repositories == ["release", "ci-*"]
    assert [str(p) for p in policy.scope.packages] == ["/npm/acme/*", "/maven/com.acme~"]
    assert [str(p) for p in policy.scope.exclude] == ["/npm/acme/legacy-sdk$"]
    assert policy.scope.origin == ["INTERNAL"]
    assert policy.model_dump(mode="json", include={"protect", "archive", "dispose"}) == {
        "protect": [
            {
                "newest": 5,
                "per": None,
                "prerelease": None,
                "published_within": None,
                "versions": None,
                "downloaded_within": None,
            },
            {
                "newest": 1,
                "per": "major",
                "prerelease": False,
                "published_within": None,
                "versions": None,
                "downloaded_within": None,
            },
            {
                "newest": None,
                "per": None,
                "prerelease": None,
                "published_within": "30d",
                "versions": None,
                "downloaded_within": None,
            },
            {
                "newest": None,
                "per": None,
                "prerelease": None,
                "published_within": None,
                "versions": ["re:^1\\.0\\.", "2.4.*"],
                "downloaded_within": None,
            },
        ],
        "archive": [
            {
                "beyond_newest": 30,
                "published_before": None,
                "prerelease": None,
                "versions": None,
                "not_downloaded_for": None,
            },
            {
                "beyond_newest": None,
                "published_before": "180d",
                "prerelease": None,
                "versions": None,
                "not_downloaded_for": None,
            },
            {
                "beyond_newest": None,
                "published_before": "14d",
                "prerelease": True,
                "versions": None,
                "not_downloaded_for": None,
            },
            {
                "beyond_newest": None,
                "published_before": None,
                "prerelease": None,
                "versions": ["0.*"],
                "not_downloaded_for": None,
            },
        ],
        "dispose": {"archived_for": "60d", "notice": None},
    }
    guardrails = document.guardrails
    assert (guardrails.keep_at_least, guardrails.max_archive_fraction) == (1, 0.5)
    assert guardrails.archive_window == timedelta(days=1)


@pytest.mark.parametrize("name", ["policy.yaml", "minimal.yaml", "enforce-npm.json"])
@pytest.mark.parametrize("dumper", ["yaml", "json"])
def test_round_trip(tmp_path: Path, name: str, dumper: str) -> None:
    # Given a shipped example, dumped back to YAML or JSON
    document = load_policy(EXAMPLES / name)
    data = document.model_dump(mode="json", exclude_none=True)
    target = tmp_path / f"again.{dumper}"
    target.write_text(yaml.safe_dump(data) if dumper == "yaml" else json.dumps(data), encoding="utf-8")
    # When loaded again / Then it is the same document
    assert load_policy(target) == document


def test_yaml_and_json_of_the_same_data_are_equal(tmp_path: Path, make_doc: MakeDoc) -> None:
    data = make_doc()
    (tmp_path / "p.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    (tmp_path / "p.json").write_text(json.dumps(data), encoding="utf-8")
    assert load_policy(tmp_path / "p.yml") == load_policy(str(tmp_path / "p.json")) == parse_policy(data)


def test_unquoted_off_in_yaml_means_off(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("version: 1\npolicies:\n  - id: a\n    scope: {domain: acme}\n    origin_lock: off\n")
    assert load_policy(path).policies[0].origin_lock == "off"


def test_validation_errors_carry_the_file_as_source(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "version: 1\npolicies:\n  - id: a\n    scope: {domain: acme, domain_owner: 111122223333}\n"
    )
    error = load_error(path)
    assert error.errors == [
        "policies[0].scope.domain_owner: must be a quoted string of 12 digits, got 111122223333"
    ]
    assert error.source == str(path)
    assert (
        str(error)
        == f"{path}: policies[0].scope.domain_owner: must be a quoted string of 12 digits, got 111122223333"
    )


def test_missing_file(tmp_path: Path) -> None:
    error = load_error(tmp_path / "nope.yaml")
    assert error.lines() == [f"{tmp_path / 'nope.yaml'}: cannot read policy: no such file"]


def test_directory_is_not_a_policy(tmp_path: Path) -> None:
    folder = tmp_path / "dir.yaml"
    folder.mkdir()
    assert load_error(folder).errors == ["cannot read policy: Is a directory"]


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("version = 1")
    assert load_error(path).errors == ["unsupported file type '.toml': use .yaml, .yml or .json"]


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("version: 1\npolicies:\n  - id: a\n   scope: {domain: acme}\n")
    error = load_error(path)
    assert len(error.errors) == 1
    assert error.errors[0].startswith("line 4, column 4: YAML syntax error: ")
    assert str(error).startswith(f"{path}: line 4")


def test_yaml_duplicate_key_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("version: 1\npolicies:\n  - id: a\n    scope: {domain: acme}\n    id: b\n")
    assert load_error(path).errors == ["line 5, column 5: YAML syntax error: found duplicate key 'id'"]


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{\n  "version": 1,\n  "policies": [,]\n}\n')
    assert load_error(path).errors == ["line 3, column 16: invalid JSON: Expecting value"]


def test_empty_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("# nothing yet\n")
    assert load_error(path).errors == [
        "the policy document must be a mapping with version and policies, got empty"
    ]


def test_lambda_path_loads_json_without_importing_yaml() -> None:
    # The Lambda asset has no PyYAML: importing the package and loading JSON must not need it.
    code = (
        "import sys; import ca_lifecycle.policy as p; "
        f"d = p.load_policy({str(EXAMPLES / 'enforce-npm.json')!r}); "
        "assert 'yaml' not in sys.modules, 'yaml imported'; print(len(d.policies))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2"


def test_committed_schema_is_current() -> None:
    # Regenerate with: .venv/bin/ca-lifecycle schema --output schema/policy.schema.json
    committed = json.loads((ROOT / "schema" / "policy.schema.json").read_text(encoding="utf-8"))
    assert committed == policy_json_schema()


def test_schema_shape() -> None:
    schema = policy_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["version", "policies"]
    assert schema["additionalProperties"] is False
    defs: dict[str, Any] = schema["$defs"]  # type: ignore[assignment]
    assert defs["Mode"]["enum"] == ["dry-run", "enforce"]
    assert all(
        d.get("additionalProperties") is False for name, d in defs.items() if d.get("type") == "object"
    )
    lock = defs["PackagePolicy"]["properties"]["origin_lock"]
    assert lock["default"] == "off"
    assert {"enum": ["auto", "off"], "type": "string"} in lock["oneOf"]


def test_document_equality_is_by_value() -> None:
    assert load_policy(EXAMPLES / "minimal.yaml") == load_policy(EXAMPLES / "minimal.yaml")
    assert isinstance(load_policy(EXAMPLES / "minimal.yaml"), PolicyDocument)


def test_deep_copy_of_a_document_still_selects() -> None:
    from ca_lifecycle.facts import PackageRef

    document = load_policy(EXAMPLES / "enforce-npm.json")
    clone = document.model_copy(deep=True)
    package = PackageRef(domain="acme", repository="release", format="npm", namespace="acme", name="widgets")
    assert clone == document
    selected = clone.select(package)
    assert selected is not None
    assert selected.id == "npm-widgets"


def test_json_duplicate_key_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"version": 1, "mode": "enforce", "mode": "dry-run", "policies": []}')
    assert load_error(path).errors == ["invalid JSON: duplicate key 'mode'"]
