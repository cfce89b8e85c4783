"""Issue 17 regressions through the real CLI: what-if clocks, binding confirmations, saved
plans, Ctrl-C, restore and holds, and one error line for each bad input."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ca_emulator import Emulator
from cli_support import NOW, POLICY, CliRunner, base_env, mutating_calls, run_in_terminal

pytestmark = pytest.mark.integration

WIDGETS = "acme/release/npm/acme/widgets"
PAST = "1999-01-01T00:00:00Z"


def _ledger(path: Path) -> dict[str, object]:
    data = json.loads(path.read_text(encoding="utf-8"))
    packages = data["packages"]
    assert isinstance(packages, dict)
    return packages


def _widgets_versions(path: Path) -> dict[str, dict[str, object]]:
    packages = _ledger(path)
    key = next(k for k in packages if k.endswith("#widgets"))
    entry = packages[key]
    assert isinstance(entry, dict)
    versions = entry["versions"]
    assert isinstance(versions, dict)
    return versions


# --------------------------------------------------------- finding 1: a what-if clock writes nothing


@pytest.mark.parametrize("preview", ["explain", "plan"])
def test_a_what_if_preview_cannot_make_a_later_apply_dispose(
    cli: CliRunner, seeded: Emulator, tmp_path: Path, preview: str
) -> None:
    ledger = tmp_path / "ledger.json"
    target = [WIDGETS] if preview == "explain" else []
    # Given a preview in 1999 with the ledger that apply will use
    run = cli(preview, *target, "--policy", POLICY, "--now", PAST, "--ledger", ledger, "--json")
    assert run.code == 0, run.stderr
    # Then it wrote nothing: the ledger does not even exist
    assert not ledger.exists()
    # When a real apply runs now with that ledger
    applied = cli("apply", "--policy", POLICY, "--ledger", ledger, "--yes", "--json")
    assert applied.code == 0, applied.stderr
    # Then 0.9.0 (Archived, first seen by this apply) is not disposed: its clock starts now
    assert "DisposePackageVersions" not in mutating_calls(seeded)
    recorded = _widgets_versions(ledger)["0.9.0"]
    archived_at = datetime.fromisoformat(str(recorded["archived_at"]))
    assert archived_at > datetime.now(UTC) - timedelta(minutes=10)
    assert seeded.version_status("acme", "release", "npm", "acme", "widgets", "0.9.0") == "Archived"


def test_apply_with_a_past_now_is_refused_without_simulated_clock(cli: CliRunner, seeded: Emulator) -> None:
    run = cli("apply", "--policy", POLICY, "--now", PAST, "--ledger", "ledger.json", "--yes")
    assert run.code == 2
    assert len(run.error_lines) == 1
    assert run.error_lines[0].startswith(f"error: --now {PAST} is not now: apply records its archives")
    assert "--simulated-clock" in run.error_lines[0]
    assert mutating_calls(seeded) == {}


# ----------------------------------------------------------- finding 4: the confirmation binds


def test_interactive_apply_writes_exactly_what_it_showed(seeded: Emulator, tmp_path: Path) -> None:
    # Given a preview showing 6 archives, and, before the answer, two gadgets published: the
    # guardrail's cap then allows a 4th gadgets archive the person never saw
    def publish_two() -> None:
        for version in ("2.6.0", "2.7.0"):
            seeded.add_version(
                "acme",
                "release",
                "npm",
                "acme",
                "gadgets",
                version,
                published=datetime(2025, 5, 31, tzinfo=UTC),
            )

    ledger = tmp_path / "ledger.json"
    run = run_in_terminal(
        ["apply", "--simulated-clock", "--policy", str(POLICY), "--now", NOW, "--ledger", str(ledger)],
        base_env(tmp_path, seeded.endpoint),
        "y",
        before_answer=publish_two,
    )
    # Then exactly the six shown were archived, and the extra one is reported, not written
    assert "Archive 6, dispose 0 version(s)" in run.stdout
    assert run.code == 1, run.stdout  # an intended action did not happen: reported
    archived = [
        v
        for v in ("2.0.0", "2.1.0", "2.2.0", "2.3.0")
        if seeded.version_status("acme", "release", "npm", "acme", "gadgets", v) == "Archived"
    ]
    assert archived == ["2.0.0", "2.1.0", "2.2.0"]
    assert "1 skipped by guard" in run.stdout  # the extra one, "not in the confirmed plan"


# ----------------------------------------------------------------------------- saved plans


def test_a_saved_plan_is_applied_exactly_and_only_under_its_policy(
    cli: CliRunner, seeded: Emulator, tmp_path: Path
) -> None:
    ledger, plan = tmp_path / "ledger.json", tmp_path / "plan.json"
    # Given a saved plan
    made = cli("plan", "--policy", POLICY, "--ledger", ledger, "--out", plan, "--json")
    assert made.code == 0, made.stderr
    saved = json.loads(plan.read_text(encoding="utf-8"))
    planned = {(p["package"], w["version"]) for p in saved["packages"] for w in p["writes"]}
    assert planned
    assert all(
        {"version", "revision", "status", "action", "reason"} <= set(w)
        for p in saved["packages"]
        for w in p["writes"]
    )
    assert saved["policy_digest"].startswith("sha256:")
    # When the policy changed since, it is refused and nothing is written
    other = tmp_path / "other.yaml"
    other.write_text(POLICY.read_text(encoding="utf-8").replace("newest: 2", "newest: 3"), encoding="utf-8")
    refused = cli("apply", "--policy", other, "--plan", plan, "--ledger", ledger)
    assert refused.code == 2
    assert "was made under another policy" in refused.error_lines[0]
    assert mutating_calls(seeded) == {}
    # When applied under its policy (no prompt: the plan is the confirmation)
    applied = cli("apply", "--policy", POLICY, "--plan", plan, "--ledger", ledger, "--json")
    assert applied.code == 0, applied.stderr
    written = {
        (d["package"], d["version"]) for d in applied.json()["decisions"] if d.get("outcome") == "done"
    }
    assert written == planned


def test_an_expired_plan_is_refused(cli: CliRunner, seeded: Emulator, tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    assert cli("plan", "--policy", POLICY, "--out", plan, "--json").code == 0
    saved = json.loads(plan.read_text(encoding="utf-8"))
    saved["expires"] = "2000-01-01T00:00:00Z"
    plan.write_text(json.dumps(saved), encoding="utf-8")
    run = cli("apply", "--policy", POLICY, "--plan", plan, "--ledger", tmp_path / "l.json")
    assert run.code == 2
    assert run.error_lines == [f"error: --plan: {plan} expired at 2000-01-01T00:00:00Z: make a new plan"]
    assert mutating_calls(seeded) == {}


# ----------------------------------------------------------------------------------- Ctrl-C


def test_ctrl_c_during_apply_finishes_the_write_and_records_it(seeded: Emulator, tmp_path: Path) -> None:
    # Given a slow endpoint and an apply in progress
    seeded.faults.latency_ms = 300
    ledger = tmp_path / "ledger.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ca_lifecycle_cli.main",
            "apply",
            "--simulated-clock",
            "--policy",
            str(POLICY),
            "--now",
            NOW,
            "--ledger",
            str(ledger),
            "--yes",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=base_env(tmp_path, seeded.endpoint),
    )
    deadline = time.monotonic() + 60
    while not seeded.stats().get("UpdatePackageVersionsStatus") and time.monotonic() < deadline:
        time.sleep(0.02)
    # When Ctrl-C arrives while the first archive call is in flight
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    # Then the call finished, its archives are in the ledger as ours, and the run says so (130)
    assert process.returncode == 130, err
    assert "Interrupted: stopped after the write in flight" in err
    assert "Traceback" not in err
    archived = [
        v
        for v in ("3.0.1-rc.1", "2.4.0", "2.3.0")
        if seeded.version_status("acme", "release", "npm", "acme", "widgets", v) == "Archived"
    ] + [
        v
        for v in ("2.2.0", "2.1.0", "2.0.0")
        if seeded.version_status("acme", "release", "npm", "acme", "gadgets", v) == "Archived"
    ]
    assert archived
    packages = _ledger(ledger)
    ours = {
        (key.rsplit("#", 1)[1], version)
        for key, entry in packages.items()
        for version, record in entry["versions"].items()  # type: ignore[union-attr]
        if record.get("archived_by_us")
    }
    assert len(ours) == len(archived)
    assert "done" in out + err


# -------------------------------------------------------------------------- restore and holds


def test_restore_moves_an_archived_version_back_and_holds_it(
    cli: CliRunner, seeded: Emulator, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.json"
    assert (
        cli("apply", "--simulated-clock", "--policy", POLICY, "--now", NOW, "--ledger", ledger, "--yes").code
        == 0
    )
    assert seeded.version_status("acme", "release", "npm", "acme", "widgets", "2.3.0") == "Archived"
    # When a person restores it for an investigation
    run = cli(
        "restore",
        WIDGETS,
        "--versions",
        "2.3.0",
        "--reason",
        "INC-42 needs it",
        "--until",
        "30d",
        "--ledger",
        ledger,
    )
    assert run.code == 0, run.stderr
    assert "2.3.0: restored and held" in run.stdout
    assert seeded.version_status("acme", "release", "npm", "acme", "widgets", "2.3.0") == "Published"
    # Then holds lists it, and the next plan keeps it with the hold's reason
    listed = cli("holds", "--ledger", ledger, "--json").json()["holds"]
    assert [(h["version"], h["reason"], h["active"]) for h in listed] == [("2.3.0", "INC-42 needs it", True)]
    plan = cli("plan", "--policy", POLICY, "--ledger", ledger, "--json").json()
    decision = next(d for d in plan["decisions"] if (d["package"], d["version"]) == ("widgets", "2.3.0"))
    assert decision["action"] == "keep"
    assert decision["reason"].startswith("held until ")
    assert decision["reason"].endswith(": INC-42 needs it")


def test_restore_refuses_versions_it_cannot_restore(cli: CliRunner, seeded: Emulator, tmp_path: Path) -> None:
    run = cli(
        "restore", WIDGETS, "--versions", "0.8.0", "9.9.9", "--reason", "x", "--ledger", tmp_path / "l.json"
    )
    assert run.code == 2
    assert run.error_lines == [f"error: --versions: not versions of {WIDGETS}: 9.9.9"]
    run = cli("restore", WIDGETS, "--versions", "0.8.0", "--reason", "x", "--ledger", tmp_path / "l.json")
    assert run.error_lines == [
        "error: --versions: only Archived (or Published, to hold) versions: 0.8.0 (Disposed)"
    ]
    assert mutating_calls(seeded) == {}


# ------------------------------------------------------------- finding 8: one error line each


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"format": 1, "packages": []}', "packages: expected an object, got list"),
        ('{"format": 1, "packages": {"PKG#x": {"versions": null}}}', "versions: expected an object"),
        (
            '{"format": 1, "packages": {"PKG#x": {"versions": {"1.0": {"archived_at": "garbage"}}}}}',
            "archived_at: not an ISO-8601 time: 'garbage'",
        ),
    ],
)
def test_a_ledger_of_the_wrong_shape_is_one_line_exit_2(
    cli: CliRunner, tmp_path: Path, content: str, problem: str
) -> None:
    ledger = tmp_path / "ledger.json"
    ledger.write_text(content, encoding="utf-8")
    run = cli("plan", "--policy", POLICY, "--ledger", ledger, "--json")
    assert (run.code, run.stdout) == (2, "")
    assert len(run.error_lines) == 1
    assert run.error_lines[0].startswith(f"error: ledger: {ledger}: ")
    assert problem in run.error_lines[0]


def test_a_mistyped_ledger_folder_creates_nothing(cli: CliRunner, tmp_path: Path) -> None:
    ledger = tmp_path / "typo" / "ledger.json"
    run = cli("plan", "--policy", POLICY, "--ledger", ledger)
    assert run.code == 2
    assert run.error_lines[0].startswith(f"error: --ledger: folder {ledger.parent} does not exist")
    assert not ledger.parent.exists()


def test_a_new_ledger_is_announced(cli: CliRunner, tmp_path: Path) -> None:
    ledger = tmp_path / "new.json"
    run = cli("plan", "--policy", POLICY, "--ledger", ledger, "--json")
    assert run.code == 0, run.stderr
    assert f"ledger: {ledger} did not exist: started a new ledger there" in run.stderr


def test_a_policy_nested_5000_levels_is_one_line(cli: CliRunner, tmp_path: Path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("version: 1\npolicies: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    for command in (["validate", str(deep)], ["plan", "--policy", str(deep)]):
        run = cli(*command)
        assert run.code == 2
        assert run.error_lines == [
            f"error: {deep}: the document is nested more than 32 levels deep: not a policy"
        ]


@pytest.mark.parametrize("port", ["-5", "70000"])
def test_an_emulator_port_out_of_range_is_one_line(cli: CliRunner, port: str) -> None:
    run = cli("emulator", "--port", port)
    assert run.code == 2
    assert run.error_lines[-1].endswith(
        f"argument --port: {int(port)} is not a port: use 0-65535 (0 picks a free one)"
    )
    assert "Traceback" not in run.stderr


def test_demo_keep_in_an_unusable_folder_is_one_line(cli: CliRunner) -> None:
    run = cli("demo", "--keep", "/proc/nope")
    assert run.code == 2
    assert run.error_lines == ["error: --keep: cannot use /proc/nope: No such file or directory"]


def test_a_non_xml_answer_from_sts_is_one_line_exit_3(cli: CliRunner, tmp_path: Path) -> None:
    import http.server
    import threading

    class Garbage(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = b"<html>not an AWS answer"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            return

    server = http.server.HTTPServer(("127.0.0.1", 0), Garbage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_address[1]}"
        run = cli(
            "plan",
            "--policy",
            POLICY,
            "--ledger-table",
            "T",
            env={"AWS_ENDPOINT_URL_STS": endpoint, "AWS_MAX_ATTEMPTS": "1"},
        )
    finally:
        server.shutdown()
    assert run.code == 3
    assert len(run.error_lines) == 1
    assert run.error_lines[0].startswith("error: AWS error: the endpoint's answer could not be read")
