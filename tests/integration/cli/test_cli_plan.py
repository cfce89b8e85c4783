"""``ca-lifecycle plan`` as a subprocess against the emulator seeded with ``seed.yaml``."""

from __future__ import annotations

import json

import pytest
from ca_emulator import Emulator
from cli_support import NOW, POLICY, CliRunner, mutating_calls

pytestmark = pytest.mark.integration

# Known answers at NOW for seed.yaml + policy.yaml: (package, version) -> (status, action, reason
# prefix). The prefix names the rule that decided: protect[i]/archive[i] are the policy's rules.
EXPECTED = {
    # npm-libraries on widgets: every rule kind of the language.
    ("widgets", "3.2.0"): ("Published", "keep", "protect[0] newest: 2 (rank 0)"),
    ("widgets", "3.1.0"): ("Published", "keep", "protect[0] newest: 2 (rank 1)"),
    ("widgets", "3.0.1-rc.1"): ("Published", "archive", "archive[2] published_before: 14d, prerelease: true"),
    ("widgets", "3.0.0"): ("Published", "keep", "no archive rule matched"),
    ("widgets", "2.5.0"): ("Published", "keep", "protect[1] newest: 1 per major, prerelease: false"),
    ("widgets", "2.4.0"): ("Unlisted", "archive", "archive[1] published_before: 180d"),
    ("widgets", "2.3.1"): ("Published", "keep", "protect[2] published_within: 30d"),
    ("widgets", "2.3.0"): ("Published", "archive", "archive[0] beyond_newest: 6 (rank 7)"),
    ("widgets", "1.1.0"): ("Published", "keep", "protect[1] newest: 1 per major, prerelease: false"),
    ("widgets", "1.0.1"): ("Published", "keep", "protect[3] versions: [1.0.*]"),
    ("widgets", "0.9.0"): ("Archived", "keep", "archive time unknown: first seen now"),
    ("widgets", "0.8.0"): ("Disposed", "none", "not live (Disposed)"),
    # gadgets: four archive candidates of six live versions, max_archive_fraction 0.5 allows 3.
    ("gadgets", "2.5.0"): ("Published", "keep", "protect[0] newest: 2 (rank 0)"),
    ("gadgets", "2.4.0"): ("Published", "keep", "protect[0] newest: 2 (rank 1)"),
    ("gadgets", "2.3.0"): ("Published", "skip", "guardrail max_archive_fraction: 0.5"),
    ("gadgets", "2.2.0"): ("Published", "archive", "archive[1] published_before: 180d"),
    ("gadgets", "2.1.0"): ("Published", "archive", "archive[1] published_before: 180d"),
    ("gadgets", "2.0.0"): ("Published", "archive", "archive[1] published_before: 180d"),
    # pypi-mirror on an EXTERNAL package.
    ("requests", "2.32.3"): ("Published", "keep", "protect[0] newest: 1 (rank 0)"),
    ("requests", "2.31.0"): ("Published", "keep", "no archive rule matched"),
}
POLICY_OF = {"widgets": "npm-libraries", "gadgets": "npm-libraries", "requests": "pypi-mirror"}
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


def test_plan_json_matches_the_expected_decision_for_every_version(cli: CliRunner) -> None:
    # Given the seeded emulator and the policy pinned at NOW
    # When planning with --json
    run = cli("plan", "--policy", POLICY, "--now", NOW, "--json")

    # Then stdout is one JSON document with DESIGN.md's shape and nothing else
    assert run.code == 0, run.stderr
    document = run.json()
    assert set(document) == {"mode", "now", "decisions", "origins", "summary"}
    assert document["mode"] == "enforce"
    assert document["now"] == NOW
    # And every in-scope version has exactly the expected decision, from the expected policy
    got = {}
    for decision in document["decisions"]:
        assert set(decision) == DECISION_FIELDS
        assert (decision["domain"], decision["repository"]) == ("acme", "release")
        assert decision["policy"] == POLICY_OF[decision["package"]]
        got[(decision["package"], decision["version"])] = decision
    assert set(got) == set(EXPECTED)  # out-of-scope packages and repositories never appear
    for key, (status, action, reason) in EXPECTED.items():
        decision = got[key]
        assert (decision["status"], decision["action"]) == (status, action), key
        assert decision["reason"].startswith(reason), (key, decision["reason"])


def test_plan_json_lists_origin_targets_and_a_summary(cli: CliRunner) -> None:
    # When planning with --json
    document = cli("plan", "--policy", POLICY, "--now", NOW, "--json").json()

    # Then origin_lock auto targets INTERNAL packages at ALLOW/BLOCK and EXTERNAL at BLOCK/ALLOW
    origins = {entry["package"]: (entry["current"], entry["target"]) for entry in document["origins"]}
    assert origins == {
        "widgets": ({"publish": "ALLOW", "upstream": "ALLOW"}, {"publish": "ALLOW", "upstream": "BLOCK"}),
        "gadgets": ({"publish": "ALLOW", "upstream": "BLOCK"}, {"publish": "ALLOW", "upstream": "BLOCK"}),
        "requests": ({"publish": "ALLOW", "upstream": "ALLOW"}, {"publish": "BLOCK", "upstream": "ALLOW"}),
    }
    # And the summary counts the same decisions, per repository and in total
    summary = document["summary"]
    expected_actions = {"archive": 6, "dispose": 0, "keep": 12, "skip": 1, "none": 1}
    assert summary["actions"] == expected_actions
    assert summary["by_status"] == {"Archived": 1, "Disposed": 1, "Published": 17, "Unlisted": 1}
    assert (summary["packages"], summary["versions"], summary["origins_to_lock"]) == (3, 20, 2)
    assert summary["repositories"] == [
        {
            "domain": "acme",
            "repository": "release",
            "packages": 3,
            "versions": 20,
            "by_status": {"Archived": 1, "Disposed": 1, "Published": 17, "Unlisted": 1},
            "actions": expected_actions,
            "origins_to_lock": 2,
        }
    ]


def test_plan_makes_no_mutating_call_even_in_enforce_mode(cli: CliRunner, seeded: Emulator) -> None:
    # Given an enforce-mode policy with archives, an origin lock and a first-seen Archived version
    # When planning, in both output forms
    human = cli("plan", "--policy", POLICY, "--now", NOW)
    machine = cli("plan", "--policy", POLICY, "--now", NOW, "--json")

    # Then only reads reached the emulator and nothing changed
    assert (human.code, machine.code) == (0, 0)
    assert mutating_calls(seeded) == {}
    stats = seeded.stats()
    assert stats["ListPackageVersions"] == 6  # 3 packages x 2 runs: scratch/ and npm/other are never read
    assert seeded.version_status("acme", "release", "npm", "acme", "widgets", "2.3.0") == "Published"
    assert seeded.origin_configuration("acme", "release", "npm", "acme", "widgets") == {
        "publish": "ALLOW",
        "upstream": "ALLOW",
    }


def test_plan_human_output_fits_80_columns_and_names_each_action(cli: CliRunner) -> None:
    # When planning without --json (stdout is a pipe, as in CI logs)
    run = cli("plan", "--policy", POLICY, "--now", NOW)

    # Then every line fits 80 columns, and the summary, actions and origin locks are shown
    assert run.code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    text = run.stdout
    assert "acme/release" in text
    assert "beyond_newest: 6" in text
    assert "max_archive_fraction" in text
    assert "BLOCK/ALLOW" in text
    assert lines[-1] == "Read-only: nothing was changed."
    assert "Total: 6 to archive, 0 to dispose, 12 kept, 1 skipped, 2 origins to lock." in lines
    # And no progress display leaked into a non-terminal stderr
    assert run.stderr == ""


def test_plan_repository_filter(cli: CliRunner) -> None:
    # When narrowing to the one in-scope repository
    run = cli("plan", "--policy", POLICY, "--now", NOW, "--json", "--repository", "release")
    # Then the same plan
    assert run.code == 0
    assert len(run.json()["decisions"]) == len(EXPECTED)

    # When naming a repository no policy covers, or one that does not exist
    outside = cli("plan", "--policy", POLICY, "--now", NOW, "--repository", "scratch")
    missing = cli("plan", "--policy", POLICY, "--now", NOW, "--repository", "nope")
    # Then bad input (2) and not found (3), each one line
    assert (outside.code, outside.error_lines) == (
        2,
        ["error: repository 'scratch' is not in the scope of any policy"],
    )
    assert (missing.code, missing.error_lines) == (3, ["error: no such repository 'nope' in domain acme"])


@pytest.mark.parametrize(
    ("now", "message"),
    [
        ("2025-06-01T00:00:00", "error: --now: '2025-06-01T00:00:00' has no time zone"),
        # A bare date: the suggested fix must itself be valid input
        (
            "2025-06-01",
            "error: --now: '2025-06-01' has no time zone: add Z for UTC (e.g. 2025-06-01T00:00:00Z)",
        ),
        ("yesterday", "error: --now: not an ISO-8601 time: 'yesterday'"),
        ("", "error: --now: not an ISO-8601 time: ''"),
        ("2025-06-01T24:00:00Z", "error: --now: not an ISO-8601 time: '2025-06-01T24:00:00Z'"),
        # Age arithmetic would overflow a datetime: a range error, not a traceback.
        ("0001-01-02T00:00:00Z", "error: --now: '0001-01-02T00:00:00Z' is out of range"),
        ("9999-12-31T00:00:00Z", "error: --now: '9999-12-31T00:00:00Z' is out of range"),
    ],
)
def test_plan_rejects_a_now_without_time_zone_or_not_iso(cli: CliRunner, now: str, message: str) -> None:
    run = cli("plan", "--policy", POLICY, "--now", now)
    assert run.code == 2
    assert len(run.error_lines) == 1
    assert run.error_lines[0].startswith(message)
    assert run.stdout == ""


def test_plan_accepts_an_offset_and_reports_now_in_utc(cli: CliRunner) -> None:
    run = cli("plan", "--policy", POLICY, "--now", "2025-06-01T02:00:00+02:00", "--json")
    assert run.code == 0
    assert json.loads(run.stdout)["now"] == NOW
