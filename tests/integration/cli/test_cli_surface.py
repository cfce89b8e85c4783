"""The command surface as a demanding user meets it: help and exit codes, the environment,
pipes, Ctrl-C, and every error starting with ``error:`` on one line.

Subprocesses against the emulator (``cli``) unless the behaviour needs an in-process stub.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ca_emulator import Emulator
from ca_lifecycle_cli.main import main
from cli_support import NOW, POLICY, CliRunner, base_env

pytestmark = pytest.mark.integration

DECISION_FIELDS = {
    "domain",
    "repository",
    "format",
    "namespace",
    "package",
    "version",
    "status",
    "action",
    "reason",
    "policy",
}
ORIGIN_FIELDS = {"domain", "repository", "format", "namespace", "package", "current", "target"}
EXIT_CODE_LINES = ("0 ", "1 ", "2 ", "3 ")


def _single_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in stderr
    return lines[0]


# ------------------------------------------------------------------------------ help


@pytest.mark.parametrize(
    ("command", "codes"),
    [
        ("plan", EXIT_CODE_LINES),
        ("apply", EXIT_CODE_LINES),
        ("explain", EXIT_CODE_LINES),
        ("validate", ("0 ", "2 ")),
        ("schema", ("0 ", "2 ")),
        ("emulator", ("0 ", "2 ")),
        ("demo", ("0 ", "1 ")),
    ],
)
def test_help_of_every_command_documents_its_exit_codes(
    command: str, codes: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    # When asking a command for help
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    out = capsys.readouterr().out
    # Then it exits 0 and lists each exit code it can return
    assert done.value.code == 0
    section = out[out.index("exit codes:") :].splitlines()
    listed = {
        line.strip()[:2] for line in section[1:] if line.startswith("  ") and line.strip()[:1].isdigit()
    }
    assert set(codes) <= listed, section


def test_no_command_prints_usage_and_exits_2(cli: CliRunner) -> None:
    run = cli()
    assert run.code == 2
    assert run.stdout == ""
    assert run.stderr.startswith("usage: ca-lifecycle")


def test_top_level_help_documents_exit_codes_and_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("validate", "schema", "plan", "apply", "explain", "emulator", "demo"):
        assert command in out
    for code in ("0  ", "1  ", "2  ", "3  ", "130"):
        assert f"\n  {code}" in out, code


def test_version_names_the_installed_distribution(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"ca-lifecycle {version('codeartifact-lifecycle')}\n"


# ------------------------------------------------------------------------- plan --json


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(([], {}), id="plain"),
        pytest.param((["--sizes"], {}), id="sizes"),
        pytest.param(([], {"AWS_MAX_ATTEMPTS": "2"}), id="max-attempts"),
        pytest.param((["--ledger", "ledger.json"], {}), id="ledger-file"),
    ],
)
def test_plan_json_stdout_is_exactly_one_document_with_the_design_fields(
    cli: CliRunner, variant: tuple[list[str], dict[str, str]]
) -> None:
    flags, env = variant
    # When planning with --json (and a variant flag or variable)
    run = cli("plan", "--policy", POLICY, "--now", NOW, "--json", *flags, env=env)
    # Then stdout parses as one JSON document and nothing else
    assert run.code == 0, run.stderr
    document = json.loads(run.stdout)
    assert set(document) == {"mode", "now", "decisions", "origins", "summary"}
    assert document["decisions"]
    assert document["origins"]
    for decision in document["decisions"]:
        assert set(decision) == DECISION_FIELDS
    for origin in document["origins"]:
        assert set(origin) == ORIGIN_FIELDS
        assert set(origin["current"]) == set(origin["target"]) == {"publish", "upstream"}
    assert run.stderr == ""


def test_plan_json_with_a_broken_ledger_prints_nothing_on_stdout(cli: CliRunner, tmp_path: Path) -> None:
    # Given a --ledger path below a regular file (it can never be created)
    blocker = tmp_path / "blocker"
    blocker.write_text("", encoding="utf-8")
    # When planning with --json
    run = cli("plan", "--policy", POLICY, "--now", NOW, "--json", "--ledger", blocker / "ledger.json")
    # Then no partial document, and the one error line names the flag and the file
    assert (run.code, run.stdout) == (2, "")
    line = _single_error_line(run.stderr)
    assert line.startswith(f"error: --ledger: cannot use {blocker / 'ledger.json'}: "), line


# -------------------------------------------------------------------------- environment


def test_aws_region_alone_configures_the_region(cli: CliRunner) -> None:
    # Given only AWS_REGION (the SDK-wide variable; botocore itself reads AWS_DEFAULT_REGION)
    env: dict[str, str | None] = {"AWS_DEFAULT_REGION": None, "AWS_REGION": "us-east-1"}
    # When planning
    run = cli("plan", "--policy", POLICY, "--now", NOW, "--json", env=env)
    # Then it runs as with AWS_DEFAULT_REGION
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["decisions"]


NO_REGION_LINE = (
    "error: no AWS region configured: set AWS_REGION (or AWS_DEFAULT_REGION, or region in the profile)"
)


@pytest.mark.parametrize(
    ("flags", "env"),
    [
        pytest.param([], {}, id="plain"),
        # A client built by the CLI itself for the attempts: botocore's own words before.
        pytest.param([], {"AWS_MAX_ATTEMPTS": "1"}, id="max-attempts"),
        # STS would fall back to its global endpoint: a network error before.
        pytest.param(
            ["--ledger-table", "t"], {"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9"}, id="ledger-table"
        ),
    ],
)
def test_without_any_region_every_path_gives_the_same_line_before_any_call(
    cli: CliRunner, seeded: Emulator, flags: list[str], env: dict[str, str]
) -> None:
    run = cli("plan", "--policy", POLICY, "--now", NOW, *flags, env={"AWS_DEFAULT_REGION": None, **env})
    assert run.code == 3
    assert _single_error_line(run.stderr) == NO_REGION_LINE
    assert seeded.stats() == {}


def test_an_unreachable_sts_endpoint_for_the_ledger_table_is_one_line_exit_3(cli: CliRunner) -> None:
    # Given --ledger-table and no STS/DynamoDB endpoint listening (moto is not running)
    env = {
        "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9",
        "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:9",
        "AWS_MAX_ATTEMPTS": "1",
    }
    # When planning
    run = cli("plan", "--policy", POLICY, "--now", NOW, "--json", "--ledger-table", "t", env=env)
    # Then one line saying the endpoint is unreachable, exit 3, nothing on stdout
    assert (run.code, run.stdout) == (3, "")
    line = _single_error_line(run.stderr)
    assert line.startswith(
        'error: AWS endpoint unreachable: Could not connect to the endpoint URL: "http://127.0.0.1:9'
    ), line


# ------------------------------------------------------------------------------ pipes


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["plan", "--policy", str(POLICY), "--now", NOW], id="plan"),
        pytest.param(["plan", "--policy", str(POLICY), "--now", NOW, "--json"], id="plan-json"),
        pytest.param(["explain", "acme/release/npm/acme/widgets", "--policy", str(POLICY)], id="explain"),
        pytest.param(["validate", str(POLICY)], id="validate"),
        pytest.param(["schema"], id="schema"),
    ],
)
def test_a_closed_stdout_pipe_exits_141_without_a_word(
    seeded: Emulator, tmp_path: Path, args: list[str]
) -> None:
    # Given stdout is a pipe whose reader has gone (as after `| head -1`)
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "ca_lifecycle_cli.main", *args],
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            env=base_env(tmp_path, seeded.endpoint),
            timeout=120,
            check=False,
        )
    finally:
        os.close(writer)
    # Then it stops quietly with 128 + SIGPIPE, never 1 (which means "actions failed")
    assert (done.returncode, done.stderr) == (141, "")


# ----------------------------------------------------------------------------- Ctrl-C


def test_ctrl_c_during_a_scan_is_one_error_line_and_exit_130(seeded: Emulator, tmp_path: Path) -> None:
    # Given a slow endpoint, so the scan is still running when the user presses Ctrl-C
    seeded.faults.latency_ms = 400
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ca_lifecycle_cli.main",
            "plan",
            "--policy",
            str(POLICY),
            "--now",
            NOW,
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=base_env(tmp_path, seeded.endpoint),
    )
    deadline = time.monotonic() + 60
    while not seeded.stats() and time.monotonic() < deadline:  # the first AWS call is in flight
        time.sleep(0.05)
    # When SIGINT arrives
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    # Then exit 130, one "error:" line, no traceback, no partial document
    assert process.returncode == 130
    assert out == ""
    assert _single_error_line(err) == "error: interrupted"


def test_ctrl_c_in_a_command_without_aws_is_handled_too(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given validate is interrupted while reading the policy
    def interrupted(path: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("ca_lifecycle.policy.load_policy", interrupted)
    # When running it
    code = main(["validate", str(POLICY)])
    # Then the same line and exit code as plan's
    assert code == 130
    assert capsys.readouterr().err == "error: interrupted\n"


# ---------------------------------------------------------------------------- explain


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("acme/release/pypi/ns/requests", "error: PACKAGE: pypi packages have no namespace"),
        ("acme/release/cargo/ns/serde", "error: PACKAGE: cargo packages have no namespace"),
        ("acme/release/maven/core", "error: PACKAGE: maven packages have a namespace"),
        ("acme/release/generic/blob", "error: PACKAGE: generic packages have a namespace"),
    ],
)
def test_explain_rejects_a_namespace_the_format_cannot_have_without_an_aws_call(
    cli: CliRunner, seeded: Emulator, ref: str, message: str
) -> None:
    run = cli("explain", ref, "--policy", POLICY, "--now", NOW)
    assert (run.code, run.stdout) == (2, "")
    assert _single_error_line(run.stderr).startswith(message)
    assert seeded.stats() == {}
