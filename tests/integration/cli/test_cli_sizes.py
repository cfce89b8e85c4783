"""``--sizes``: the bytes disposing would stop billing, from the seeded assets (seed.yaml).

After ``apply`` at NOW, seven versions become disposable at DISPOSABLE_FROM; their seeded asset
sizes are the known answers below. widgets 3.2.0 and gadgets 2.3.0 also carry assets but are
never disposed, so counting them would show up in the totals.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ca_emulator import Emulator
from ca_lifecycle_cli.sizes import human_bytes
from cli_support import NOW, POLICY, CliRunner, mutating_calls

pytestmark = pytest.mark.integration

DISPOSABLE_FROM = "2025-07-31T00:00:00Z"  # NOW + archived_for: 60d
WIDGETS_BYTES = 1500 + (2048 + 512) + 1048576 + 3000  # 3.0.1-rc.1, 2.4.0 (two assets), 2.3.0, 0.9.0
GADGETS_BYTES = 100 + 200 + 300  # 2.2.0, 2.1.0, 2.0.0
TOTAL_BYTES = WIDGETS_BYTES + GADGETS_BYTES  # 1056236
DISPOSED_VERSIONS = 7


@pytest.fixture
def archived(cli: CliRunner, seeded: Emulator, tmp_path: Path) -> Path:
    """Given `apply` ran at NOW with a ledger file: seven versions disposable from DISPOSABLE_FROM."""
    ledger = tmp_path / "ledger.json"
    run = cli("apply", "--simulated-clock", "--policy", POLICY, "--now", NOW, "--ledger", ledger, "--yes")
    assert run.code == 0, run.stderr
    seeded.reset_stats()
    return ledger


def test_plan_sizes_sums_the_assets_of_every_version_to_dispose(
    cli: CliRunner, seeded: Emulator, archived: Path
) -> None:
    # When planning at DISPOSABLE_FROM with --sizes
    run = cli("plan", "--policy", POLICY, "--now", DISPOSABLE_FROM, "--ledger", archived, "--json", "--sizes")

    # Then the summary has the exact bytes, per repository and in total
    assert run.code == 0, run.stderr
    summary = run.json()["summary"]
    assert summary["actions"]["dispose"] == DISPOSED_VERSIONS
    assert summary["bytes_to_free"] == TOTAL_BYTES == 1056236
    assert [(r["repository"], r["bytes_to_free"]) for r in summary["repositories"]] == [
        ("release", TOTAL_BYTES)
    ]
    # And it cost one ListPackageVersionAssets per disposed version, and no write
    assert seeded.stats()["ListPackageVersionAssets"] == DISPOSED_VERSIONS
    assert mutating_calls(seeded) == {}


def test_plan_without_sizes_reads_no_assets_and_keeps_the_document_unchanged(
    cli: CliRunner, seeded: Emulator, archived: Path
) -> None:
    run = cli("plan", "--policy", POLICY, "--now", DISPOSABLE_FROM, "--ledger", archived, "--json")

    assert run.code == 0, run.stderr
    summary = run.json()["summary"]
    assert "bytes_to_free" not in summary
    assert all("bytes_to_free" not in row for row in summary["repositories"])
    assert "ListPackageVersionAssets" not in seeded.stats()


def test_plan_sizes_with_nothing_to_dispose_is_zero_without_a_call(cli: CliRunner, seeded: Emulator) -> None:
    run = cli("plan", "--policy", POLICY, "--now", NOW, "--json", "--sizes")

    assert run.code == 0, run.stderr
    summary = run.json()["summary"]
    assert (summary["bytes_to_free"], summary["repositories"][0]["bytes_to_free"]) == (0, 0)
    assert "ListPackageVersionAssets" not in seeded.stats()


def test_plan_sizes_human_output_shows_them_readably_within_80_columns(
    cli: CliRunner, archived: Path
) -> None:
    run = cli("plan", "--policy", POLICY, "--now", DISPOSABLE_FROM, "--ledger", archived, "--sizes")

    assert run.code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    # The summary table shows the bytes under the dispose count: "Dispose / frees", "7 / 1.0 MiB"
    start = next(i for i, line in enumerate(lines) if line.startswith("Summary per repository"))
    table = lines[start : start + 12]
    column = next(line for line in table if "Dispose" in line).index("Dispose")
    assert any(line[column : column + 7].strip() == "frees" for line in table)
    assert any(line[column : column + 7].strip() == "1.0 MiB" for line in table)
    assert f"Disposing frees 1.0 MiB of assets ({TOTAL_BYTES} bytes)." in lines


def test_plan_human_output_without_sizes_shows_no_bytes(cli: CliRunner, archived: Path) -> None:
    run = cli("plan", "--policy", POLICY, "--now", DISPOSABLE_FROM, "--ledger", archived)
    assert run.code == 0, run.stderr
    assert "frees" not in run.stdout
    assert "MiB" not in run.stdout


def test_apply_sizes_reads_each_version_before_disposing_it(
    cli: CliRunner, seeded: Emulator, archived: Path
) -> None:
    # When applying at DISPOSABLE_FROM with --sizes (dispose deletes the assets it measures)
    run = cli(
        "apply",
        "--simulated-clock",
        "--policy",
        POLICY,
        "--now",
        DISPOSABLE_FROM,
        "--ledger",
        archived,
        "--yes",
        "--json",
        "--sizes",
    )

    # Then the bytes are those the versions held before the dispose, read once each
    assert run.code == 0, run.stderr
    document = run.json()
    assert document["summary"]["bytes_to_free"] == TOTAL_BYTES
    assert document["summary"]["repositories"][0]["bytes_to_free"] == TOTAL_BYTES
    disposed = [d for d in document["decisions"] if d["action"] == "dispose"]
    assert [d["outcome"] for d in disposed] == ["done"] * DISPOSED_VERSIONS
    assert seeded.stats()["ListPackageVersionAssets"] == DISPOSED_VERSIONS
    assert seeded.version_status("acme", "release", "npm", "acme", "widgets", "2.3.0") == "Disposed"


def test_apply_sizes_human_output_names_the_bytes_no_longer_billed(cli: CliRunner, archived: Path) -> None:
    run = cli(
        "apply",
        "--simulated-clock",
        "--policy",
        POLICY,
        "--now",
        DISPOSABLE_FROM,
        "--ledger",
        archived,
        "--yes",
        "--sizes",
    )
    assert run.code == 0, run.stderr
    assert f"Disposed versions no longer billed: 1.0 MiB ({TOTAL_BYTES} bytes)." in run.stdout.splitlines()


def test_explain_sizes_sums_the_package_s_disposals(cli: CliRunner, seeded: Emulator, archived: Path) -> None:
    widgets = "acme/release/npm/acme/widgets"
    common = ["--policy", POLICY, "--now", DISPOSABLE_FROM, "--ledger", archived]

    sized = cli("explain", widgets, *common, "--json", "--sizes")
    plain = cli("explain", widgets, *common, "--json")
    human = cli("explain", widgets, *common, "--sizes")

    assert (sized.code, plain.code, human.code) == (0, 0, 0), sized.stderr
    assert sized.json()["bytes_to_free"] == WIDGETS_BYTES
    assert "bytes_to_free" not in plain.json()
    assert f"Disposing frees 1.0 MiB of assets ({WIDGETS_BYTES} bytes)." in human.stdout.splitlines()
    assert seeded.stats()["ListPackageVersionAssets"] == 2 * 4  # 4 disposals, two --sizes runs


@pytest.mark.parametrize("command", ["plan", "apply", "explain"])
def test_help_says_what_sizes_costs(cli: CliRunner, command: str) -> None:
    run = cli(command, "--help")
    assert run.code == 0
    text = " ".join(run.stdout.split())
    assert "--sizes" in text
    assert "one ListPackageVersionAssets call" in text


@pytest.mark.parametrize(
    ("count", "shown"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (1048576, "1.0 MiB"),
        (TOTAL_BYTES, "1.0 MiB"),
        (5 * 1024**3 + 512 * 1024**2, "5.5 GiB"),
        (3 * 1024**4, "3.0 TiB"),
        (2048 * 1024**5, "2048.0 PiB"),
    ],
)
def test_human_bytes_known_answers(count: int, shown: str) -> None:
    assert human_bytes(count) == shown


def test_sizes_without_list_package_version_assets_permission_names_it(
    cli: CliRunner, seeded: Emulator, archived: Path
) -> None:
    # Given a caller allowed everything plan needs, but not ListPackageVersionAssets (README)
    seeded.faults.deny = ["ListPackageVersionAssets"]

    sized = cli("plan", "--policy", POLICY, "--now", DISPOSABLE_FROM, "--ledger", archived, "--sizes")
    plain = cli("plan", "--policy", POLICY, "--now", DISPOSABLE_FROM, "--ledger", archived)

    # Then only --sizes needs it, and its absence is one line naming it, exit 3
    assert sized.code == 3
    assert len(sized.error_lines) == 1
    assert sized.error_lines[0].startswith(
        "error: access denied: missing permission codeartifact:ListPackageVersionAssets (User: "
    )
    assert plain.code == 0, plain.stderr
