"""The CDK entry point: context, policy validation at synth, the asset, and a full synth run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from template_helpers import DRY_RUN_POLICY

from infra import app
from infra.construct import LifecycleSettings, event_pattern_detail, schedule_interval_seconds

ROOT = Path(__file__).resolve().parents[2]


def _synth_fails(capsys: pytest.CaptureFixture[str], *context: str, tmp_path: Path) -> str:
    argv = [arg for item in context for arg in ("-c", item)] + ["-o", str(tmp_path / "out")]
    assert app.main(argv) == app.EXIT_INVALID
    assert not (tmp_path / "out").exists()  # nothing synthesized
    err: str = capsys.readouterr().err
    return err


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (
            "version: 1\npolicies:\n  - id: a\n    scope: {domain: acme}\n    archive: [{beyond_newst: 3}]\n",
            "policies[0].archive[0].beyond_newst: unknown field",
        ),
        (
            "version: 1\npolicies:\n  - id: a\n    scope: {domain: acme, domain_owner: '12'}\n",
            "policies[0].scope.domain_owner: must be a 12-digit AWS account id",
        ),
        ("version: 2\npolicies: []\n", "version: unsupported policy version 2"),
    ],
)
def test_bad_policy_fails_synth_naming_the_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, policy: str, expected: str
) -> None:
    # Given a policy with one bad field
    path = tmp_path / "policy.yaml"
    path.write_text(policy)
    # When the app synthesizes it, Then it stops before any construct exists, naming the field
    err = _synth_fails(capsys, f"policy_file={path}", tmp_path=tmp_path)
    assert expected in err
    assert str(path) in err


@pytest.mark.parametrize("path", sorted((ROOT / "examples" / "invalid").glob("*.*")), ids=lambda p: p.name)
def test_every_shipped_invalid_example_fails_synth(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, path: Path
) -> None:
    err = _synth_fails(capsys, f"policy_file={path}", tmp_path=tmp_path)
    assert "policies[0]." in err


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ("worker_max_concurrency=1", "worker_max_concurrency: must be between 2 and 1000"),
        ("worker_max_concurrency=1001", "worker_max_concurrency: must be between 2 and 1000"),
        ("worker_max_concurrency=many", "worker_max_concurrency: expected an integer, got 'many'"),
        ("sweep_schedule=daily", "sweep_schedule: expected an EventBridge Scheduler expression"),
        ("policy_file=examples/nope.yaml", "policy_file:"),
        ("no-equals-sign", "expected KEY=VALUE"),
        # CDK would stop on these only with a jsii traceback, SNS only mid-deploy
        ("stage=prod_1", "stage: letters, digits and '-' only"),
        ("stage=prod.eu", "stage: letters, digits and '-' only"),
        ("alarm_email=platform-alerts", "alarm_email: expected an e-mail address"),
    ],
)
def test_bad_context_fails_synth_naming_the_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, context: str, expected: str
) -> None:
    assert expected in _synth_fails(capsys, context, tmp_path=tmp_path)


def test_context_comes_from_cdk_json_with_command_line_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CDK_CONTEXT_JSON", raising=False)
    context = app.read_context(["stage=prod", "worker_max_concurrency=4"])
    assert context["policy_file"] == "examples/policy.yaml"
    assert context["sweep_schedule"] == "cron(0 3 * * ? *)"
    assert context["stage"] == "prod"
    assert context["worker_max_concurrency"] == "4"


def test_context_from_the_cdk_cli_wins_over_cdk_json(monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI has already merged cdk.json, cdk.context.json and -c flags into this variable
    monkeypatch.setenv("CDK_CONTEXT_JSON", json.dumps({"policy_file": "x.yaml", "stage": "ci"}))
    assert app.read_context([]) == {"policy_file": "x.yaml", "stage": "ci"}


def test_settings_from_context_parse_strings_as_the_cli_passes_them() -> None:
    settings = app.settings_from_context(
        {"worker_max_concurrency": "7", "alarm_email": "", "sweep_schedule": " rate(6 hours) "}, None
    )
    assert settings == LifecycleSettings(
        worker_max_concurrency=7, alarm_email=None, sweep_schedule=" rate(6 hours) "
    )
    assert app.settings_from_context({}, None) == LifecycleSettings()


def test_event_pattern_detail_pins_the_domain_to_its_owner_and_known_formats_and_states() -> None:
    assert event_pattern_detail("acme", "111122223333") == {
        "domainName": ["acme"],
        "domainOwner": ["111122223333"],
        "packageFormat": ["cargo", "generic", "maven", "npm", "nuget", "pypi", "ruby", "swift"],
        "$or": [
            {
                "operationType": ["Created", "Updated"],
                "packageVersionState": ["Archived", "Disposed", "Published", "Unfinished", "Unlisted"],
            },
            {"operationType": ["Deleted"]},
        ],
    }


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(12 hours)", 12 * 3600),
        ("rate(1 hour)", 3600),
        ("rate(30 minutes)", 1800),
        ("rate(2 days)", 2 * 86400),
        ("cron(0 3 * * ? *)", 86400),
        ("cron(0 */6 ? * * *)", 86400),  # every day, several times: at most a day apart
        ("cron(0 3 ? * MON *)", 7 * 86400),  # weekly
        ("at(2030-01-01T00:00:00)", 7 * 86400),
    ],
)
def test_schedule_interval_is_the_longest_gap_between_sweeps(expression: str, seconds: int) -> None:
    assert schedule_interval_seconds(expression) == seconds


def test_asset_is_the_package_plus_the_validated_policy(tmp_path: Path) -> None:
    from ca_lifecycle.policy import load_policy

    from infra.asset import build_asset

    # Given a stale staging folder and a source tree with caches and tests in it
    source = tmp_path / "src" / "ca_lifecycle"
    (source / "__pycache__").mkdir(parents=True)
    (source / "tests").mkdir()
    (source / "__init__.py").write_text("")
    (source / "engine.py").write_text("X = 1\n")
    (source / "__pycache__" / "engine.cpython-311.pyc").write_bytes(b"\0")
    (source / "tests" / "test_engine.py").write_text("")
    staging = tmp_path / "asset"
    (staging / "ca_lifecycle").mkdir(parents=True)
    (staging / "ca_lifecycle" / "removed.py").write_text("")
    policy_path = tmp_path / "policy.yaml"
    policy_path.write_text(DRY_RUN_POLICY)
    document = load_policy(policy_path)
    # When the asset is built
    build_asset(document, staging, source)
    # Then it holds exactly the package's code and policy.json, which loads back to the same policy
    files = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
    assert files == ["ca_lifecycle/__init__.py", "ca_lifecycle/engine.py", "policy.json"]
    assert load_policy(staging / "policy.json") == document


@pytest.mark.infra
def test_synthesized_asset_carries_handlers_and_policy(synthesized: Any) -> None:
    from ca_lifecycle.policy import Mode, load_policy

    for result, mode in ((synthesized.dry, Mode.DRY_RUN), (synthesized.enforce, Mode.ENFORCE)):
        assert (result.asset_dir / "ca_lifecycle" / "handlers" / "worker.py").is_file()
        assert (result.asset_dir / "ca_lifecycle" / "handlers" / "sweep.py").is_file()
        assert not list(result.asset_dir.rglob("__pycache__"))
        assert load_policy(result.asset_dir / "policy.json").mode is mode


@pytest.mark.infra
def test_make_synth_recipe_runs_the_app() -> None:
    recipe = subprocess.run(
        ["make", "-n", "synth"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "infra/app.py" in recipe


@pytest.mark.infra
def test_synth_writes_a_cloud_assembly_offline(tmp_path: Path) -> None:
    # Given no AWS credentials or region at all, and no Docker
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_", "JSII_"))}
    out, asset = tmp_path / "cdk.out", tmp_path / "asset"
    # When the app runs the way `make synth` runs it (the timeout only stops a hung jsii)
    result = subprocess.run(
        [sys.executable, "infra/app.py", "-o", str(out), "-c", f"asset_dir={asset}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Then it succeeds quietly (no Node banner) and leaves a deployable assembly
    assert result.returncode == 0, result.stderr
    assert "!!" not in result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["artifacts"]["CodeArtifactLifecycle-dev"]["type"] == "aws:cloudformation:stack"
    template = json.loads((out / "CodeArtifactLifecycle-dev.template.json").read_text())
    assert sum(r["Type"] == "AWS::Lambda::Function" for r in template["Resources"].values()) == 2
    assets = json.loads((out / "CodeArtifactLifecycle-dev.assets.json").read_text())["files"]
    (code,) = [a for a in assets.values() if a["source"]["packaging"] == "zip"]
    staged = out / code["source"]["path"]
    assert (staged / "policy.json").is_file()
    assert (staged / "ca_lifecycle" / "handlers" / "worker.py").is_file()


def test_context_moved_to_a_file_by_the_cdk_cli_is_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    overflow = tmp_path / "context.json"
    overflow.write_text(json.dumps({"policy_file": "big.yaml"}))
    monkeypatch.setenv("CDK_CONTEXT_JSON", json.dumps({"stage": "ci"}))
    monkeypatch.setenv("CONTEXT_OVERFLOW_LOCATION_ENV", str(overflow))
    assert app.read_context([]) == {"stage": "ci", "policy_file": "big.yaml"}
