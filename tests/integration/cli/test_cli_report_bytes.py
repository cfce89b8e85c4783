"""``report`` over a sequence of apply runs, ``upcoming``, and honest bytes (issue 15).

shared 1.0.0 (1000 bytes) is one stored asset referenced from release and mirror; the policy
covers release only. Disposing release's 1.0.0, 1.1.0 (300) and other 1.0.0 (70) sums to an
upper bound of 1370 bytes, but DescribeDomain.assetSizeBytes falls by 370 only: mirror still
holds the shared file.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from ca_emulator import Emulator
from cli_support import HERE, CliRunner

pytestmark = pytest.mark.integration

SEED = HERE / "shared_assets_seed.yaml"
T0, T2, T3 = "2025-06-01T00:00:00Z", "2025-06-03T00:00:00Z", "2025-06-04T00:00:00Z"
POLICY = """\
version: 1
mode: enforce
policies:
  - id: release-npm
    scope: {domain: acme, repositories: [release], packages: ["/npm/acme/*"]}
    archive: [{beyond_newest: 1}]
    dispose: {archived_for: 1d}
    origin_lock: "off"
guardrails: {keep_at_least: 1, max_archive_fraction: 1.0}
"""
WRITTEN = {
    ("archive", "shared", "1.0.0"),
    ("archive", "shared", "1.1.0"),
    ("archive", "other", "1.0.0"),
    ("dispose", "shared", "1.0.0"),
    ("dispose", "shared", "1.1.0"),
    ("dispose", "other", "1.0.0"),
}


@pytest.fixture
def seeded(emulator: Emulator) -> Emulator:
    """Overrides the suite's seed: the shared-asset domain."""
    emulator.load_seed_file(SEED)
    emulator.reset_stats()
    return emulator


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY)
    return path


def _apply(cli: CliRunner, policy: Path, ledger: Path, now: str) -> None:
    run = cli(
        "apply", "--simulated-clock", "--policy", policy, "--now", now, "--ledger", ledger, "--yes", "--sizes"
    )
    assert run.code == 0, run.stderr


@pytest.fixture
def three_runs(cli: CliRunner, policy: Path, tmp_path: Path) -> Path:
    """Archive at T0, dispose at T2, nothing to do at T3 (writes nothing: no run record)."""
    ledger = tmp_path / "ledger.json"
    for now in (T0, T2, T3):
        _apply(cli, policy, ledger, now)
    return ledger


def test_report_json_lists_every_written_version_exactly_once(cli: CliRunner, three_runs: Path) -> None:
    run = cli("report", "--since", "7d", "--now", T3, "--ledger", three_runs, "--json")
    assert run.code == 0, run.stderr
    doc = run.json()
    # Two runs wrote something; the third wrote nothing and left no record
    assert [(r["trigger"], r["at"], r["counts"]) for r in doc["runs"]] == [
        ("cli-apply", T0, {"archive": {"done": 3}}),
        ("cli-apply", T2, {"dispose": {"done": 3}}),
    ]
    assert len({r["policy_digest"] for r in doc["runs"]}) == 1
    written = Counter((v["action"], v["package"], v["version"]) for r in doc["runs"] for v in r["versions"])
    assert set(written) == WRITTEN
    assert set(written.values()) == {1}
    assert all(v["rule"] for r in doc["runs"] for v in r["versions"])
    assert doc["summary"]["counts"] == {"archive": {"done": 3}, "dispose": {"done": 3}}


def test_report_csv_has_one_row_per_written_version(cli: CliRunner, three_runs: Path) -> None:
    run = cli("report", "--since", "7d", "--now", T3, "--ledger", three_runs, "--csv")
    assert run.code == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    keys = Counter((r["action"], r["package"], r["version"]) for r in rows)
    assert set(keys) == WRITTEN
    assert set(keys.values()) == {1}
    assert {r["outcome"] for r in rows} == {"done"}
    assert {r["rule"] for r in rows} == {"archive[0]", "dispose"}
    assert {r["trigger"] for r in rows} == {"cli-apply"}


def test_report_since_leaves_older_runs_out(cli: CliRunner, three_runs: Path) -> None:
    run = cli("report", "--since", "1d", "--now", T3, "--ledger", three_runs, "--json")
    assert [r["at"] for r in run.json()["runs"]] == [T2]


def test_shared_asset_upper_bound_and_measured_domain_delta_differ_both_labelled(
    cli: CliRunner, three_runs: Path
) -> None:
    run = cli("report", "--since", "7d", "--now", T3, "--ledger", three_runs, "--json")
    summary = run.json()["summary"]
    # Sum of the disposed versions' assets: 1000 + 300 + 70 ...
    assert summary["bytes_upper_bound"] == 1370
    # ... but mirror still references shared-1.0.0.tgz, stored once per domain: 300 + 70 freed
    assert summary["measured_domain_bytes_freed"] == {"acme": 370}
    assert summary["monthly_cost_upper_bound_usd"] == round(1370 / 1024**3 * 0.05, 6)
    text = cli("report", "--since", "7d", "--now", T3, "--ledger", three_runs)
    assert "Disposed bytes (upper bound: assets are stored once per domain): 1370" in text.stdout
    assert "Measured DescribeDomain.assetSizeBytes decrease, acme: 370 bytes" in text.stdout


def test_report_price_flag_changes_the_cost(cli: CliRunner, three_runs: Path) -> None:
    run = cli("report", "--now", T3, "--ledger", three_runs, "--json", "--price-per-gb-month", "1.5")
    assert run.json()["summary"]["monthly_cost_upper_bound_usd"] == round(1370 / 1024**3 * 1.5, 6)
    bad = cli("report", "--now", T3, "--ledger", three_runs, "--price-per-gb-month", "0")
    assert bad.code == 2
    assert "--price-per-gb-month: must be positive" in bad.stderr


def test_upcoming_lists_coming_disposals_read_only(
    cli: CliRunner, policy: Path, tmp_path: Path, seeded: Emulator
) -> None:
    ledger = tmp_path / "ledger.json"
    _apply(cli, policy, ledger, T0)
    before = ledger.read_bytes()
    seeded.reset_stats()
    run = cli(
        "upcoming",
        "--policy",
        policy,
        "--within",
        "14d",
        "--now",
        T0,
        "--ledger",
        ledger,
        "--json",
        "--sizes",
    )
    assert run.code == 0, run.stderr
    (digest,) = run.json()["digests"]
    disposals = {(e["package"], e["version"]): e for e in digest["upcoming"] if e["action"] == "dispose"}
    assert set(disposals) == {("shared", "1.0.0"), ("shared", "1.1.0"), ("other", "1.0.0")}
    assert {e["due"] for e in disposals.values()} == {"2025-06-02T00:00:00Z"}  # archived T0 + 1d
    assert {e["rule"] for e in disposals.values()} == {"dispose"}
    assert digest["summary"]["bytes_upper_bound"] == 1370
    # Read-only: the ledger file is byte-for-byte unchanged, no mutating call was made
    assert ledger.read_bytes() == before
    stats = seeded.stats()
    assert not {op for op in stats if op in ("UpdatePackageVersionsStatus", "DisposePackageVersions")}
    # Human output names the window and each disposal with its date
    text = cli("upcoming", "--policy", policy, "--within", "14d", "--now", T0, "--ledger", ledger)
    assert "Disposals due (3)" in text.stdout
    assert "2025-06-02T00:00:00Z  release/npm/acme/shared@1.0.0  (dispose)" in text.stdout
    assert json.loads(json.dumps(digest))  # the document is plain JSON


def test_upcoming_rejects_a_bad_window(cli: CliRunner, policy: Path) -> None:
    run = cli("upcoming", "--policy", policy, "--within", "two weeks")
    assert run.code == 2
    assert "--within: expected a duration" in run.stderr


def test_plan_sizes_labels_the_upper_bound_and_prices_it(
    cli: CliRunner, policy: Path, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.json"
    _apply(cli, policy, ledger, T0)
    args = ("plan", "--policy", policy, "--now", T2, "--ledger", ledger, "--sizes")
    summary = cli(*args, "--json", "--price-per-gb-month", "2").json()["summary"]
    assert summary["bytes_to_free"] == 1370
    assert summary["bytes_to_free_is_upper_bound"] is True
    assert summary["monthly_cost_upper_bound_usd"] == round(1370 / 1024**3 * 2, 6)
    text = cli(*args).stdout
    assert "Upper bound: assets are stored once per domain." in text
