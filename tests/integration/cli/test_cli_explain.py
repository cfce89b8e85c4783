"""``ca-lifecycle explain`` as a subprocess: every version, its decision, rule and fact sources."""

from __future__ import annotations

from pathlib import Path

import pytest
from ca_emulator import Emulator
from cli_support import NOW, POLICY, CliRunner, mutating_calls

pytestmark = pytest.mark.integration

WIDGETS = "acme/release/npm/acme/widgets"

# Policy order (highest version first, live before the rest) with the rule id of each decision.
EXPECTED_ROWS = [
    ("3.2.0", "Published", "keep", "protect[0]"),
    ("3.1.0", "Published", "keep", "protect[0]"),
    ("3.0.1-rc.1", "Published", "archive", "archive[2]"),
    ("3.0.0", "Published", "keep", None),
    ("2.5.0", "Published", "keep", "protect[1]"),
    ("2.4.0", "Unlisted", "archive", "archive[1]"),
    ("2.3.1", "Published", "keep", "protect[2]"),
    ("2.3.0", "Published", "archive", "archive[0]"),
    ("1.1.0", "Published", "keep", "protect[1]"),
    ("1.0.1", "Published", "keep", "protect[3]"),
    ("0.9.0", "Archived", "keep", "dispose"),
    ("0.8.0", "Disposed", "none", None),
]


def test_explain_lists_every_version_in_policy_order_with_rule_and_sources(
    cli: CliRunner, seeded: Emulator, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.json"

    # When explaining widgets (an npm @scope is accepted with its @)
    run = cli(
        "explain",
        "acme/release/npm/@acme/widgets",
        "--policy",
        POLICY,
        "--now",
        NOW,
        "--ledger",
        ledger,
        "--json",
    )

    # Then every version, in policy order, with its decision and rule
    assert run.code == 0, run.stderr
    document = run.json()
    assert document["package"] == {
        "domain": "acme",
        "repository": "release",
        "format": "npm",
        "namespace": "acme",
        "package": "widgets",
    }
    assert (document["policy"], document["mode"], document["now"]) == ("npm-libraries", "enforce", NOW)
    rows = document["versions"]
    assert [(r["version"], r["status"], r["action"], r["rule"]) for r in rows] == EXPECTED_ROWS
    by_version = {row["version"]: row for row in rows}
    # And publish times read with DescribePackageVersion are shown with their source
    assert by_version["2.3.1"]["published"] == "2025-05-25T00:00:00Z"
    assert by_version["2.3.1"]["published_source"] == "describe"
    described = {r["version"] for r in rows if r["published_source"] == "describe"}
    assert len(described) == document["describes"]
    # ... and a version whose age was settled by publish order alone has no time, by design
    assert {r["published_source"] for r in rows} <= {"describe", "inferred"}
    assert all(r["published"] is None for r in rows if r["published_source"] == "inferred")
    # And the archive time of a version first seen Archived starts now
    assert (by_version["0.9.0"]["archived_at"], by_version["0.9.0"]["archived_source"]) == (
        NOW,
        "first seen now",
    )
    assert document["origin"]["target"] == {"publish": "ALLOW", "upstream": "BLOCK"}
    assert mutating_calls(seeded) == {}

    # When explaining again a day later with the same ledger
    later = cli(
        "explain", WIDGETS, "--policy", POLICY, "--now", "2025-06-02T00:00:00Z", "--ledger", ledger, "--json"
    )

    # Then the what-if runs recorded nothing (issue 17, finding 1): no ledger was written, the
    # times are described again and the first sighting is still "now" of the what-if clock
    assert not ledger.exists()
    again = {row["version"]: row for row in later.json()["versions"]}
    assert again["2.3.1"]["published_source"] == "describe"
    assert again["0.9.0"]["archived_source"] == "first seen now"


def test_explain_after_apply_says_the_archive_time_was_recorded_by_apply(
    cli: CliRunner, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.json"
    assert (
        cli("apply", "--simulated-clock", "--policy", POLICY, "--now", NOW, "--ledger", ledger, "--yes").code
        == 0
    )

    rows = cli("explain", WIDGETS, "--policy", POLICY, "--now", NOW, "--ledger", ledger, "--json").json()[
        "versions"
    ]

    row = next(r for r in rows if r["version"] == "2.3.0")
    assert (row["status"], row["archived_at"], row["archived_source"]) == (
        "Archived",
        NOW,
        "ledger: archived by apply",
    )


def test_explain_human_output_fits_80_columns(cli: CliRunner) -> None:
    run = cli("explain", WIDGETS, "--policy", POLICY, "--now", NOW)
    assert run.code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0] == "npm/acme/widgets in acme/release"
    assert lines[-1].startswith("12 versions,")


def test_explain_a_package_no_policy_covers(cli: CliRunner) -> None:
    document = cli(
        "explain", "acme/release/npm/other/thing", "--policy", POLICY, "--now", NOW, "--json"
    ).json()
    assert document["policy"] is None
    assert [(r["version"], r["action"]) for r in document["versions"]] == [("1.0.0", "none")]


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("acme/release/widgets", "error: PACKAGE: expected DOMAIN/REPOSITORY/FORMAT/[NAMESPACE/]NAME"),
        ("acme/release/npmx/acme/widgets", "error: PACKAGE: unknown format 'npmx'"),
        ("acme//npm/acme/widgets", "error: PACKAGE: expected"),
    ],
)
def test_explain_rejects_a_malformed_package(
    cli: CliRunner, seeded: Emulator, ref: str, message: str
) -> None:
    run = cli("explain", ref, "--policy", POLICY)
    assert run.code == 2
    assert len(run.error_lines) == 1
    assert run.error_lines[0].startswith(message)
    assert seeded.stats() == {}
