"""``ca-lifecycle apply`` as a subprocess: confirmation rules, outcomes, the ledger and dispose timing."""

from __future__ import annotations

from pathlib import Path

import pytest
from ca_emulator import Emulator
from cli_support import NOW, POLICY, CliRunner, base_env, mutating_calls, run_in_terminal

pytestmark = pytest.mark.integration

ARCHIVED_BY_APPLY = {
    ("gadgets", "2.2.0"),
    ("gadgets", "2.1.0"),
    ("gadgets", "2.0.0"),
    ("widgets", "3.0.1-rc.1"),
    ("widgets", "2.4.0"),
    ("widgets", "2.3.0"),
}
# Archived before the first run: its clock starts when apply first sees it (NOW).
FIRST_SEEN_ARCHIVED = ("widgets", "0.9.0")
# archived_for: 60d after NOW.
DISPOSABLE_FROM = "2025-07-31T00:00:00Z"
ONE_SECOND_BEFORE = "2025-07-30T23:59:59Z"


def _dry_run_policy(tmp_path: Path) -> Path:
    text = POLICY.read_text(encoding="utf-8").replace("mode: enforce", "mode: dry-run")
    path = tmp_path / "dry-run.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _archived_decisions(document: dict[str, object]) -> dict[tuple[str, str], dict[str, str]]:
    decisions = document["decisions"]
    assert isinstance(decisions, list)
    return {(d["package"], d["version"]): d for d in decisions if d["status"] == "Archived"}


def test_apply_in_dry_run_mode_prints_the_plan_and_changes_nothing(
    cli: CliRunner, seeded: Emulator, tmp_path: Path
) -> None:
    # Given the same policy in dry-run mode
    policy = _dry_run_policy(tmp_path)

    # When applying, with --yes and without a terminal
    run = cli("apply", "--simulated-clock", "--policy", policy, "--now", NOW, "--yes", "--json")

    # Then the plan is printed, nothing was written, and it says so
    assert run.code == 0, run.stderr
    document = run.json()
    assert document["mode"] == "dry-run"
    assert all("outcome" not in d for d in document["decisions"])
    assert "mode is dry-run: nothing was changed" in run.stderr
    assert mutating_calls(seeded) == {}


def test_apply_in_enforce_mode_without_a_terminal_needs_yes(cli: CliRunner, seeded: Emulator) -> None:
    # When applying an enforce policy from a pipe without --yes
    run = cli("apply", "--simulated-clock", "--policy", POLICY, "--now", NOW, "--ledger", "ledger.json")

    # Then it refuses with one line, before any AWS call
    assert run.code == 2
    assert run.error_lines == [
        "error: mode is enforce and stdin is not a terminal: pass --yes to apply without confirmation"
    ]
    assert seeded.stats() == {}


def test_apply_in_enforce_mode_needs_a_persistent_ledger(cli: CliRunner, seeded: Emulator) -> None:
    run = cli("apply", "--simulated-clock", "--policy", POLICY, "--now", NOW, "--yes")
    assert run.code == 2
    assert run.error_lines == [
        "error: apply in enforce mode needs a ledger: pass --ledger PATH or --ledger-table NAME"
    ]
    assert mutating_calls(seeded) == {}


def test_apply_then_plan_later_disposes_exactly_when_archived_for_has_passed(
    cli: CliRunner, seeded: Emulator, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.json"

    # When applying the enforce policy at NOW with a ledger file
    applied = cli(
        "apply", "--simulated-clock", "--policy", POLICY, "--now", NOW, "--ledger", ledger, "--yes", "--json"
    )

    # Then every intended action is done, batched per expected status, and exit is 0
    assert applied.code == 0, applied.stderr
    document = applied.json()
    outcomes = {
        (d["package"], d["version"]): d["outcome"] for d in document["decisions"] if d["action"] == "archive"
    }
    assert outcomes == dict.fromkeys(ARCHIVED_BY_APPLY, "done")
    locked = {o["package"]: o.get("outcome") for o in document["origins"]}
    assert locked == {"widgets": "done", "requests": "done", "gadgets": "unchanged"}
    assert document["summary"]["outcomes"] == {"done": 8}
    # (gadgets Published, widgets Published, widgets Unlisted: one write each)
    assert mutating_calls(seeded) == {"UpdatePackageVersionsStatus": 3, "PutPackageOriginConfiguration": 2}
    for package, version in ARCHIVED_BY_APPLY:
        assert seeded.version_status("acme", "release", "npm", "acme", package, version) == "Archived"
    assert seeded.origin_configuration("acme", "release", "pypi", None, "requests") == {
        "publish": "BLOCK",
        "upstream": "ALLOW",
    }

    # When planning one second before archived_for has passed
    before = cli("plan", "--policy", POLICY, "--now", ONE_SECOND_BEFORE, "--ledger", ledger, "--json")

    # Then every archived version is kept, with the time it becomes disposable
    assert before.code == 0, before.stderr
    kept = _archived_decisions(before.json())
    assert set(kept) == {*ARCHIVED_BY_APPLY, FIRST_SEEN_ARCHIVED}
    for key, decision in kept.items():
        assert decision["action"] == "keep", key
        assert decision["reason"] == (
            f"dispose archived_for: 60d: disposable from {DISPOSABLE_FROM} (archived {NOW})"
        )

    # When planning exactly when it has passed
    at = cli("plan", "--policy", POLICY, "--now", DISPOSABLE_FROM, "--ledger", ledger, "--json")

    # Then every one of them is disposable
    disposable = _archived_decisions(at.json())
    assert {key: d["action"] for key, d in disposable.items()} == dict.fromkeys(kept, "dispose")
    assert all(d["reason"] == f"dispose archived_for: 60d (archived {NOW})" for d in disposable.values())
    # And planning never wrote anything
    assert mutating_calls(seeded) == {"UpdatePackageVersionsStatus": 3, "PutPackageOriginConfiguration": 2}

    # When applying then
    disposed = cli(
        "apply",
        "--simulated-clock",
        "--policy",
        POLICY,
        "--now",
        DISPOSABLE_FROM,
        "--ledger",
        ledger,
        "--yes",
    )

    # Then they are disposed, and the human report lists each outcome
    assert disposed.code == 0, disposed.stderr
    for package, version in {*ARCHIVED_BY_APPLY, FIRST_SEEN_ARCHIVED}:
        assert seeded.version_status("acme", "release", "npm", "acme", package, version) == "Disposed"
    assert seeded.stats()["DisposePackageVersions"] == 2  # one batch per package
    # (and gadgets 2.3.0, now the only archive candidate of three live versions, is archived)
    assert "8 done, 0 skipped by guard, 0 failed." in disposed.stdout
    assert seeded.version_status("acme", "release", "npm", "acme", "gadgets", "2.3.0") == "Archived"
    assert max(len(line) for line in disposed.stdout.splitlines()) <= 80


def test_apply_exits_1_when_a_version_changed_concurrently(
    cli: CliRunner, seeded: Emulator, tmp_path: Path
) -> None:
    # Given another client unlists widgets 2.3.0 between our listing and our write
    seeded.faults.concurrent_change = {
        "package": ("acme", "release", "npm", "acme", "widgets"),
        "version": "2.3.0",
        "to_status": "Unlisted",
    }

    # When applying
    run = cli(
        "apply",
        "--simulated-clock",
        "--policy",
        POLICY,
        "--now",
        NOW,
        "--ledger",
        tmp_path / "ledger.json",
        "--yes",
    )

    # Then the guard skips that version (expectedStatus no longer matches), the rest is done
    assert run.code == 1, run.stderr
    assert seeded.version_status("acme", "release", "npm", "acme", "widgets", "2.3.0") == "Unlisted"
    assert seeded.version_status("acme", "release", "npm", "acme", "widgets", "3.0.1-rc.1") == "Archived"
    line = next(line for line in run.stdout.splitlines() if "2.3.0" in line and "widgets" in line)
    assert "skipped" in line
    assert "7 done, 1 skipped by guard, 0 failed." in run.stdout


@pytest.mark.parametrize(
    ("answer", "expected_code", "writes"),
    [("n", 0, {}), ("y", 0, {"UpdatePackageVersionsStatus": 3, "PutPackageOriginConfiguration": 2})],
)
def test_apply_on_a_terminal_shows_the_plan_and_asks_first(
    seeded: Emulator, tmp_path: Path, answer: str, expected_code: int, writes: dict[str, int]
) -> None:
    # Given a terminal, no --yes
    env = base_env(tmp_path, seeded.endpoint)

    # When applying and answering the prompt
    run = run_in_terminal(
        [
            "apply",
            "--simulated-clock",
            "--policy",
            str(POLICY),
            "--now",
            NOW,
            "--ledger",
            str(tmp_path / "ledger.json"),
        ],
        env,
        answer,
    )

    # Then the plan was shown with the question, and only "y" writes
    assert run.code == expected_code, run.stdout
    assert "Total: 6 to archive, 0 to dispose, 12 kept, 1 skipped, 2 origins to lock." in run.stdout
    assert "Archive 6, dispose 0 version(s) and lock 2 origin(s)? [y/N]" in run.stdout
    assert mutating_calls(seeded) == writes
    if answer == "n":
        assert "Aborted: nothing was changed." in run.stdout
    else:
        assert "8 done, 0 skipped by guard, 0 failed." in run.stdout


def test_apply_outcomes_stay_visible_at_80_columns_with_a_long_package_name(
    cli: CliRunner, seeded: Emulator, tmp_path: Path
) -> None:
    # Given a scoped package with a very long name and four versions the policy archives
    from datetime import UTC, datetime

    name = "widgets-with-an-extraordinarily-long-package-name-for-testing-the-layout-of-tables"
    for minor in range(8):
        seeded.add_version(
            "acme",
            "release",
            "npm",
            "acme",
            name,
            f"5.{minor}.0-beta.{minor}",
            published=datetime(2024, 1, 1 + minor, tzinfo=UTC),
        )
    # When applying (80 columns, no terminal)
    run = cli(
        "apply",
        "--simulated-clock",
        "--policy",
        POLICY,
        "--now",
        NOW,
        "--ledger",
        tmp_path / "l.json",
        "--yes",
    )
    # Then every line fits, and each archived version's row still shows its action and outcome
    assert run.code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    for minor in range(4):
        row = next(line for line in lines if f"5.{minor}.0-beta.{minor}" in line)
        assert "archive" in row, row
        assert "done" in row, row
    assert "12 done, 0 skipped by guard, 0 failed." in lines


def test_ctrl_c_during_apply_shows_what_was_already_done(
    seeded: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given Ctrl-C arrives while apply works on its second package (the first is written)
    import ca_lifecycle.app.package
    from ca_lifecycle_cli.main import main

    real = ca_lifecycle.app.package.process_package
    calls: list[object] = []

    def interrupted_second(*args: object, **kwargs: object) -> object:
        calls.append(args[0])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ca_lifecycle.app.package, "process_package", interrupted_second)
    # When applying
    code = main(
        [
            "apply",
            "--simulated-clock",
            "--policy",
            str(POLICY),
            "--now",
            NOW,
            "--ledger",
            str(tmp_path / "l.json"),
            "--yes",
        ]
    )
    out, err = capsys.readouterr()
    # Then exit 130, and stderr shows the first package's done archives before the error line
    assert code == 130
    assert out == ""
    lines = err.splitlines()
    assert lines[-1] == "error: interrupted"
    done_rows = [line for line in lines if "npm/acme/gadgets" in line and "done" in line]
    assert len(done_rows) == 3, err
    assert mutating_calls(seeded) == {"UpdatePackageVersionsStatus": 1}
