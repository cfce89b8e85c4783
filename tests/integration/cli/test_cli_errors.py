"""The errors a user will hit: one line on stderr, no traceback, the documented exit code.

Run as subprocesses against the emulator. Access denied is checked both ways: through the
emulator's ``deny`` fault (IAM's real message, the whole CLI path), and in-process with the
gateway's own AccessDenied raised by a stub (the mapping alone).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ca_emulator import Emulator
from ca_lifecycle.gateway import (
    AccessDenied,
    CodeArtifactGateway,
    GatewayError,
    NoCredentials,
    NotFound,
    Throttled,
    Unreachable,
)
from ca_lifecycle.policy import PolicyError
from ca_lifecycle_cli.common import CliError, error_message
from ca_lifecycle_cli.main import main
from cli_support import NOW, POLICY, CliRunner

pytestmark = pytest.mark.integration


def _policy_variant(tmp_path: Path, old: str, new: str) -> Path:
    text = POLICY.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "variant.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _assert_one_line(run_stderr: str, expected_start: str) -> None:
    lines = [line for line in run_stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run_stderr
    assert lines[0].startswith(expected_start), lines[0]
    assert "Traceback" not in run_stderr


@pytest.mark.parametrize("command", ["plan", "apply", "explain"])
def test_no_credentials(cli: CliRunner, command: str) -> None:
    # Given no keys in the environment and no config or credentials file
    extra = ["acme/release/npm/acme/widgets"] if command == "explain" else []
    # When running any command that reads CodeArtifact
    run = cli(
        command,
        *extra,
        "--policy",
        POLICY,
        "--now",
        NOW,
        "--ledger",
        "ledger.json",
        "--yes" if command == "apply" else "--json",
        *(["--simulated-clock"] if command == "apply" else []),
        env={"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None},
    )
    # Then one line and exit 3
    assert run.code == 3
    _assert_one_line(run.stderr, "error: no AWS credentials found: set AWS_PROFILE")
    assert run.stdout == ""


def test_no_such_domain(cli: CliRunner, tmp_path: Path) -> None:
    policy = _policy_variant(
        tmp_path, 'domain: acme\n      repositories: ["rel*"]', 'domain: nope\n      repositories: ["rel*"]'
    )
    run = cli("plan", "--policy", policy, "--now", NOW)
    assert run.code == 3
    _assert_one_line(run.stderr, "error: no such domain 'nope': Domain not found: nope")


def test_no_such_package_for_explain(cli: CliRunner) -> None:
    run = cli("explain", "acme/release/npm/acme/nothing", "--policy", POLICY, "--now", NOW)
    assert run.code == 3
    _assert_one_line(run.stderr, "error: no such package acme/release/npm/acme/nothing: Package not found")


def test_throttled_beyond_retries(cli: CliRunner, seeded: Emulator) -> None:
    # Given CodeArtifact throttles every request (Retry-After: 0 keeps the test fast)
    seeded.faults.throttle_every = 1
    seeded.faults.throttle_retry_after = 0
    # When planning with two attempts per call
    run = cli("plan", "--policy", POLICY, "--now", NOW, env={"AWS_MAX_ATTEMPTS": "2"})
    # Then botocore retried (2 requests) and gave up: one line, exit 3
    assert run.code == 3
    _assert_one_line(
        run.stderr, "error: throttled by CodeArtifact beyond retries (ListRepositoriesInDomain): retry later"
    )
    assert seeded.stats() == {"ListRepositoriesInDomain": 2}


def test_invalid_policy_prints_each_field_path(cli: CliRunner, tmp_path: Path, seeded: Emulator) -> None:
    # Given a policy with two invalid fields
    policy = _policy_variant(tmp_path, "published_before: 180d", "published_before: 3x")
    policy.write_text(policy.read_text().replace("newest: 2", "newest: -1"))
    # When planning
    run = cli("plan", "--policy", policy, "--now", NOW)
    # Then one line per field, with its path, exit 2, and no AWS call
    assert run.code == 2
    assert run.stderr.splitlines() == [
        f"error: {policy}: policies[0].protect[0].newest: must be >= 1, got -1",
        f"error: {policy}: policies[0].archive[1].published_before: "
        "invalid duration '3x' (use e.g. 30d, 12h)",
    ]
    assert seeded.stats() == {}


def test_unreadable_policy(cli: CliRunner, tmp_path: Path) -> None:
    run = cli("plan", "--policy", tmp_path / "missing.yaml")
    assert run.code == 2
    _assert_one_line(run.stderr, f"error: {tmp_path / 'missing.yaml'}: cannot read policy: no such file")


def test_unreachable_endpoint(cli: CliRunner) -> None:
    run = cli(
        "plan",
        "--policy",
        POLICY,
        "--now",
        NOW,
        env={"AWS_ENDPOINT_URL_CODEARTIFACT": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"},
    )
    assert run.code == 3
    _assert_one_line(
        run.stderr,
        'error: CodeArtifact endpoint unreachable: Could not connect to the endpoint URL: "http://127.0.0.1:9/',
    )


def test_no_region(cli: CliRunner) -> None:
    run = cli("plan", "--policy", POLICY, "--now", NOW, env={"AWS_DEFAULT_REGION": None})
    assert run.code == 3
    _assert_one_line(run.stderr, "error: no AWS region configured: set AWS_REGION (or AWS_DEFAULT_REGION")


def test_corrupt_ledger_file(cli: CliRunner, tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.json"
    ledger.write_text("{not json", encoding="utf-8")
    run = cli("plan", "--policy", POLICY, "--now", NOW, "--ledger", ledger)
    assert run.code == 2
    _assert_one_line(run.stderr, f"error: ledger: {ledger}: not JSON")


def test_ledger_flags_are_exclusive(cli: CliRunner) -> None:
    run = cli("plan", "--policy", POLICY, "--ledger", "a.json", "--ledger-table", "t")
    assert run.code == 2  # argparse's own usage error
    assert "not allowed with argument" in run.stderr


def test_access_denied_by_codeartifact_is_one_line_naming_the_iam_action(
    cli: CliRunner, seeded: Emulator
) -> None:
    # Given an identity without codeartifact:ListPackages (the emulator answers like IAM)
    seeded.faults.deny = ["ListPackages"]

    # When planning, as a person would
    run = cli("plan", "--policy", POLICY, "--now", NOW)

    # Then exactly one line naming the missing action, exit 3, nothing on stdout
    assert run.code == 3
    assert run.stdout == ""
    assert run.stderr.splitlines() == [
        "error: access denied: missing permission codeartifact:ListPackages (User: "
        "arn:aws:iam::111122223333:user/test is not authorized to perform: codeartifact:ListPackages "
        "on resource: arn:aws:codeartifact:us-east-1:111122223333:repository/acme/release because no "
        "identity-based policy allows the codeartifact:ListPackages action)"
    ]
    # And the denial came from the server: the call reached it once (AccessDenied is not retried)
    assert seeded.stats() == {"ListRepositoriesInDomain": 1, "ListPackages": 1}


def test_access_denied_names_the_missing_iam_action(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an identity without codeartifact:ListRepositoriesInDomain (stubbed: see the module doc)
    def denied(self: CodeArtifactGateway, domain: str, owner: str | None) -> list[str]:
        raise AccessDenied(
            "AccessDeniedException",
            "ListRepositoriesInDomain",
            "User: arn:aws:iam::111122223333:user/ci is not authorized to perform this action",
        )

    monkeypatch.setattr(CodeArtifactGateway, "list_repositories", denied)

    # When planning (in-process, the same entry point as the console script)
    code = main(["plan", "--policy", str(POLICY), "--now", NOW])

    # Then one line naming the IAM action, exit 3
    captured = capsys.readouterr()
    assert code == 3
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "error: access denied: missing permission codeartifact:ListRepositoriesInDomain "
        "(User: arn:aws:iam::111122223333:user/ci is not authorized to perform this action)"
    ]


@pytest.mark.parametrize(
    ("error", "line", "code"),
    [
        (
            NoCredentials("NoCredentials", "ListPackages", "Unable to locate credentials"),
            "no AWS credentials found",
            3,
        ),
        (
            NotFound("ResourceNotFoundException", "ListPackages", "Repository not found: x"),
            "not found: ListPackages: Repository not found: x",
            3,
        ),
        (
            AccessDenied("AccessDeniedException", "DescribePackage", "denied"),
            "access denied: missing permission codeartifact:DescribePackage (denied)",
            3,
        ),
        (
            Throttled("ThrottlingException", "ListPackages", "Rate exceeded"),
            "throttled by CodeArtifact beyond retries (ListPackages)",
            3,
        ),
        (
            Unreachable("Unreachable", "ListPackages", "Could not connect"),
            "CodeArtifact endpoint unreachable: Could not connect",
            3,
        ),
        (
            GatewayError("InternalServerException", "ListPackages", "boom"),
            "CodeArtifact error: ListPackages: InternalServerException: boom",
            3,
        ),
        (
            PolicyError(["policies[0].id: field required"], "p.yaml"),
            "p.yaml: policies[0].id: field required",
            2,
        ),
        (CliError("--now: bad"), "--now: bad", 2),
    ],
)
def test_error_table(error: Exception, line: str, code: int) -> None:
    message, exit_code = error_message(error)
    assert message.startswith(line)
    assert exit_code == code
