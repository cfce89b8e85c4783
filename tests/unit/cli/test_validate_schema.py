"""`ca-lifecycle validate` and `ca-lifecycle schema`: exit codes, stdout/stderr, help."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from ca_lifecycle.policy import policy_json_schema
from ca_lifecycle_cli.main import main

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"


def test_validate_valid_files(capsys: pytest.CaptureFixture[str]) -> None:
    # Given the shipped examples / When validated together
    paths = [str(EXAMPLES / "policy.yaml"), str(EXAMPLES / "enforce-npm.json")]
    code = main(["validate", *paths])
    out, err = capsys.readouterr()
    # Then exit 0 and one OK line per file
    assert code == 0
    assert err == ""
    assert out.splitlines() == [
        f"OK: {paths[0]} (1 policy, mode: dry-run)",
        f"OK: {paths[1]} (2 policies, mode: enforce)",
    ]


def test_validate_invalid_file_exits_2_with_prefixed_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "version: 1\npolicies:\n  - id: a\n    scope: {domain: acme}\n    protect:\n      - neweset: 5\n"
        "    archive:\n      - beyond_newest: 1\n      - published_before: 3x\n"
    )
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        f"error: {path}: policies[0].protect[0].neweset: unknown field",
        f"error: {path}: policies[0].archive[1].published_before: invalid duration '3x' (use e.g. 30d, 12h)",
    ]


def test_validate_missing_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "absent.yaml"
    code = main(["validate", str(missing)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err == f"error: {missing}: cannot read policy: no such file\n"


def test_validate_mixed_files_reports_each_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    good = str(EXAMPLES / "minimal.yaml")
    bad = str(EXAMPLES / "invalid" / "negative-count.yaml")
    code = main(["validate", bad, good])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == f"OK: {good} (1 policy, mode: dry-run)\n"
    assert err == f"error: {bad}: policies[0].archive[0].beyond_newest: must be >= 0, got -1\n"


def test_validate_needs_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["validate"])
    assert info.value.code == 2
    assert "POLICY" in capsys.readouterr().err


def test_validate_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["validate", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "policies[0].archive[1].published_before" in out
    assert "exit codes" in out


def test_schema_prints_the_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == policy_json_schema()
    assert out.startswith('{\n  "$schema"')  # indent 2


def test_schema_output_file_matches_the_committed_schema(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    assert main(["schema", "--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == (ROOT / "schema" / "policy.schema.json").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize("document", ["plan", "explain"])
def test_the_committed_output_schemas_are_current(tmp_path: Path, document: str) -> None:
    target = tmp_path / "schema.json"
    assert main(["schema", "--document", document, "--output", str(target)]) == 0
    committed = (ROOT / "schema" / f"{document}.schema.json").read_text(encoding="utf-8")
    assert target.read_text(encoding="utf-8") == committed


def test_an_output_document_of_the_wrong_shape_is_refused_naming_the_field() -> None:
    from ca_lifecycle_cli.output import PlanDocument, checked
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=r"decisions\.0\.action"):
        checked(
            PlanDocument,
            {
                "mode": "enforce",
                "now": "2025-06-01T00:00:00Z",
                "decisions": [
                    {
                        "domain": "acme",
                        "repository": "r",
                        "format": "npm",
                        "namespace": None,
                        "package": "p",
                        "version": "1.0.0",
                        "status": "Published",
                        "action": "delete",
                        "reason": "x",
                        "policy": "p",
                    }
                ],
                "origins": [],
                "summary": {},
            },
        )


def test_help_lists_both_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "validate" in out
    assert "schema" in out


def test_installed_entry_point_validates_the_design_example() -> None:
    # The console script as a user runs it, from the repository root.
    executable = ROOT / ".venv" / "bin" / "ca-lifecycle"
    result = subprocess.run(
        [str(executable), "validate", "examples/policy.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "OK: examples/policy.yaml (1 policy, mode: dry-run)\n"


SHIPPED = sorted(p for p in EXAMPLES.iterdir() if p.suffix in {".yaml", ".yml", ".json"})
SHIPPED_INVALID = sorted((EXAMPLES / "invalid").iterdir())


def test_examples_folder_ships_valid_and_invalid_policies() -> None:
    # Guards the two globs below against silently running over nothing.
    assert len(SHIPPED) >= 3
    assert len(SHIPPED_INVALID) >= 4


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_example_validates(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Given any policy file shipped in examples/ / When validated
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    # Then it is accepted
    assert (code, err) == (0, "")
    assert out.startswith(f"OK: {path} (")


@pytest.mark.parametrize("path", SHIPPED_INVALID, ids=lambda p: p.name)
def test_every_shipped_invalid_example_fails_naming_a_field(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a file from examples/invalid / When validated
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    # Then exit 2, nothing on stdout, and every error line carries a field path
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert lines
    for line in lines:
        assert re.match(rf"error: {re.escape(str(path))}: policies\[0\]\.[a-z_]+[\w.\[\]]*: \S", line), line


def test_validate_names_all_four_acceptance_errors_of_one_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given one policy with a misspelled key, a negative count, a bad duration and a bad pattern
    path = tmp_path / "four.yaml"
    path.write_text(
        "version: 1\n"
        "policies:\n"
        "  - id: four\n"
        "    scope: {domain: acme, packages: ['/npm/acme/widgets']}\n"
        "    protect:\n"
        "      - {newest: -3}\n"
        "    archive:\n"
        "      - {beyond_newst: 5}\n"
        "      - {published_before: 10 days}\n"
    )
    # When validated
    code = main(["validate", str(path)])
    _, err = capsys.readouterr()
    # Then exit 2 and each problem is reported under its own field path
    assert code == 2
    fields = sorted(line.split(": ")[2] for line in err.splitlines())
    assert fields == [
        "policies[0].archive[0].beyond_newst",
        "policies[0].archive[1].published_before",
        "policies[0].protect[0].newest",
        "policies[0].scope.packages[0]",
    ]


def test_validate_reports_an_overlong_duration_as_a_field_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a duration beyond timedelta's range / When validated
    path = tmp_path / "long.yaml"
    path.write_text(
        "version: 1\npolicies:\n  - id: a\n    scope: {domain: acme}\n"
        "    archive:\n      - published_before: 9999999999d\n"
    )
    code = main(["validate", str(path)])
    _, err = capsys.readouterr()
    # Then exit 2 with the field path, not a traceback
    assert code == 2
    field = "policies[0].archive[0].published_before"
    assert err == f"error: {path}: {field}: duration '9999999999d' is too long (at most 36500d)\n"


def test_schema_output_that_cannot_be_written_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an --output in a folder that does not exist
    target = tmp_path / "missing" / "policy.schema.json"
    # When writing the schema there
    code = main(["schema", "--output", str(target)])
    out, err = capsys.readouterr()
    # Then one error line naming the file, exit 2, no traceback and nothing on stdout
    assert (code, out) == (2, "")
    assert err == f"error: --output: cannot write {target}: No such file or directory\n"
