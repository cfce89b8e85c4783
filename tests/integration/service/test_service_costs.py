"""What one ``process_package`` costs in engine work and CodeArtifact calls, counted.

The describe loop is a binary search on publish order: it must rank and decide the package
once, whatever the number of describes (it used to re-run the whole engine after each one).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ca_emulator import Emulator
from ca_lifecycle.app.dependencies import Dependencies
from ca_lifecycle.app.package import process_package
from ca_lifecycle.app.worker import WorkerBatch
from ca_lifecycle.engine import core as engine_core
from ca_lifecycle.facts import Action, PackageRef
from ca_lifecycle.gateway import CodeArtifactGateway
from ca_lifecycle.ledger import LocalLedger
from ca_lifecycle.messages import RepositoryPageItem
from ca_lifecycle.policy import PolicyDocument, parse_policy

pytestmark = pytest.mark.integration

NOW = datetime(2026, 6, 1, tzinfo=UTC)
DOMAIN, REPO = "acme", "release"
BIG = PackageRef(DOMAIN, REPO, "npm", "acme", "big")


def _policy() -> PolicyDocument:
    return parse_policy(
        {
            "version": 1,
            "mode": "enforce",
            "policies": [
                {
                    "id": "ages",
                    "scope": {"domain": DOMAIN, "packages": ["/npm/acme/*"]},
                    "protect": [{"newest": 5}, {"published_within": "30d"}],
                    "archive": [{"published_before": "180d"}],
                    "origin_lock": "auto",
                }
            ],
            "guardrails": {"keep_at_least": 1, "max_archive_fraction": 1.0},
        }
    )


def _seed(emulator: Emulator, package: PackageRef, count: int) -> list[str]:
    """``count`` versions one day apart, the newest 12 h old; newest first."""
    versions = [f"1.{i // 1000}.{i % 1000}" for i in range(count)]
    published = [NOW - timedelta(days=count - i) + timedelta(hours=12) for i in range(count)]
    emulator.add_versions(
        DOMAIN, REPO, package.format, package.namespace, package.name, zip(versions, published, strict=True)
    )
    return versions[::-1]


@dataclass
class EngineWork:
    rankings: int = 0  # rank_versions: the parse-and-sort step
    decisions: int = 0  # full decision passes (what `evaluate` does once)
    searches: int = 0  # needs() rounds of the binary search


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> EngineWork:
    counts = EngineWork()
    rank, decide, search = (
        engine_core.rank_versions,
        engine_core.PreparedEvaluation.evaluation,
        engine_core.PreparedEvaluation.needs,
    )

    def counting_rank(*args: Any, **kwargs: Any) -> Any:
        counts.rankings += 1
        return rank(*args, **kwargs)

    def counting_decide(self: engine_core.PreparedEvaluation) -> Any:
        counts.decisions += 1
        return decide(self)

    def counting_search(self: engine_core.PreparedEvaluation) -> Any:
        counts.searches += 1
        return search(self)

    monkeypatch.setattr(engine_core, "rank_versions", counting_rank)
    monkeypatch.setattr(engine_core.PreparedEvaluation, "evaluation", counting_decide)
    monkeypatch.setattr(engine_core.PreparedEvaluation, "needs", counting_search)
    return counts


def test_a_first_evaluation_of_5000_versions_ranks_and_decides_once_whatever_the_describes(
    emulator: Emulator, codeartifact: Any, tmp_path: Path, work: EngineWork
) -> None:
    # Given 5,000 versions and two age rules, no publish time known yet
    _seed(emulator, BIG, 5000)
    emulator.reset_stats()
    # When the package is evaluated and applied for the first time
    result = process_package(
        BIG,
        document=_policy(),
        gateway=CodeArtifactGateway(codeartifact),
        ledger=LocalLedger(tmp_path / "ledger.json"),
        now=NOW,
        apply=True,
    )
    # Then the binary search took many describes, but the engine ranked and decided once
    assert result.describes >= 10
    assert result.describes == emulator.stats()["DescribePackageVersion"]
    assert (work.rankings, work.decisions) == (1, 1)
    assert work.searches == result.describes + 1  # one round per describe, one that finds nothing to ask
    assert result.evaluation.needs is None
    assert len(result.evaluation.actions(Action.ARCHIVE)) == 5000 - 180


def test_a_concurrent_change_costs_one_more_evaluation_and_no_more(
    emulator: Emulator, codeartifact: Any, tmp_path: Path, work: EngineWork
) -> None:
    # Given another client archives a version we plan to archive, between our list and write
    newest_first = _seed(emulator, BIG, 5000)
    emulator.faults.concurrent_change = {
        "package": (DOMAIN, REPO, "npm", "acme", "big"),
        "version": newest_first[4000],
        "to_status": "Archived",
    }
    # When the plan is applied
    result = process_package(
        BIG,
        document=_policy(),
        gateway=CodeArtifactGateway(codeartifact),
        ledger=LocalLedger(tmp_path / "ledger.json"),
        now=NOW,
        apply=True,
    )
    # Then the re-list after the mismatch was evaluated once more, and only once
    assert result.resynced is True
    assert (work.rankings, work.decisions) == (2, 2)


# ------------------------------------------------------------------------ steady-state sweep


@dataclass
class ListQueue:
    """An in-memory work queue: what the worker sends is fed back as the next batch."""

    sent: list[Any] = field(default_factory=list)

    def send(self, items: Any) -> int:
        self.sent.extend(items)
        return len(items)

    def drain(self) -> list[dict[str, str]]:
        records = [{"messageId": f"m{i}", "body": item.model_dump_json()} for i, item in enumerate(self.sent)]
        self.sent = []
        return records


def _sweep(deps: Dependencies, queue: ListQueue) -> None:
    """One sweep of REPO: its ListPackages page, then every package item it enqueued."""
    page = RepositoryPageItem(domain=DOMAIN, domain_owner=None, repository=REPO)
    batch = WorkerBatch([{"messageId": "page", "body": page.model_dump_json()}], deps)
    batch.run()
    assert not batch.failures
    items = queue.drain()
    assert all('"origin"' in record["body"] for record in items)  # the listing's origin travels along
    batch = WorkerBatch(items, deps)
    batch.run()
    assert not batch.failures, batch.failures


def test_a_steady_state_sweep_costs_one_codeartifact_call_per_unchanged_package(
    emulator: Emulator, codeartifact: Any, tmp_path: Path
) -> None:
    # Given 20 packages already brought to policy by a first sweep (origins locked, ages known);
    # five had an unlocked origin, which that sweep knew from its listing alone
    packages = [PackageRef(DOMAIN, REPO, "npm", "acme", f"pkg{i:02}") for i in range(20)]
    for package in packages:
        _seed(emulator, package, 300)
    for package in packages[:5]:
        emulator.set_origin_configuration(DOMAIN, REPO, "npm", "acme", package.name, "ALLOW", "ALLOW")
    queue = ListQueue()
    deps = Dependencies(
        document=_policy(),
        gateway=CodeArtifactGateway(codeartifact),
        ledger=LocalLedger(tmp_path / "ledger.json"),
        queue=queue,
        process_package=process_package,
        clock=lambda: NOW,
    )
    _sweep(deps, queue)
    first = emulator.stats()
    assert first["PutPackageOriginConfiguration"] == 5
    assert "DescribePackage" not in first
    emulator.reset_stats()
    # When the next sweep runs an hour later with nothing changed
    deps = dataclasses.replace(deps, clock=lambda: NOW + timedelta(hours=1))
    _sweep(deps, queue)
    # Then one ListPackages page, and one ListPackageVersions per package: no DescribePackage
    assert emulator.stats() == {"ListPackages": 1, "ListPackageVersions": 20}
