"""The pipeline under EventBridge's real delivery contract: at least once, in no particular order.

The emulator's delivery fault duplicates and reorders the events it emits, deterministically
from a seed (docs/emulator.md). Each message is handed to the worker alone, so every duplicate
and every late event meets a ledger that already holds the events before it. The worker must:
- spend CodeArtifact calls only on an event that is new (its eventDeduplicationId unseen) and
  newer than every event evaluated before it (its sequenceNumber above theirs): a duplicate
  or a stale event costs none, and nothing is ever written twice;
- end in exactly the state in-order, exactly-once delivery (seed None) ends in.

Two packages, because each defence alone is hidden behind the other on a package that exists:
a duplicate of an evaluated event is also stale by sequence. The events of a package deleted
before they arrive are evaluated (the package is found gone) but record no sequence, so only
the eventDeduplicationId keeps their duplicates from being evaluated again.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config
from ca_emulator import Faults
from ca_lifecycle.facts import PackageRef
from pipeline_rig import DOMAIN, OWNER, REPO, Pipeline

pytestmark = pytest.mark.integration

OLD = ["1.0.0", "1.1.0", "1.2.0", "1.3.0"]
NEW = ["1.4.0", "1.5.0", "1.6.0"]
WIDGETS = PackageRef(DOMAIN, REPO, "npm", "acme", "widgets", OWNER)
# What the policy (protect newest 2, archive beyond newest 2) makes of 1.0.0 .. 1.6.0.
END_STATE = {
    **dict.fromkeys(["1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0"], "Archived"),
    **dict.fromkeys(["1.5.0", "1.6.0"], "Published"),
}


def deliver_one_by_one(pipeline: Pipeline) -> list[tuple[dict[str, Any], int]]:
    """Run the worker on one message at a time until nothing is queued or held back.

    Returns each handled event's detail with the number of CodeArtifact calls its run made.
    """
    runs: list[tuple[dict[str, Any], int]] = []
    for _ in range(200):
        messages = pipeline.receive(max_messages=1)
        if not messages:
            if pipeline.emulator.flush_events() == 0:
                return runs
            continue
        before = sum(pipeline.emulator.stats().values())
        response = pipeline.run_batch(messages)
        assert response["batchItemFailures"] == []
        spent = sum(pipeline.emulator.stats().values()) - before
        runs.append((json.loads(messages[0]["Body"])["detail"], spent))
    raise AssertionError("the queue did not drain")


@pytest.mark.parametrize("seed", [None, 1, 4, 7, 12])
def test_duplicates_and_reordering_are_neither_evaluated_nor_acted_on_twice(
    pipeline: Pipeline, seed: int | None
) -> None:
    # Given widgets 1.0.0-1.3.0 (origin already locked), and a delivery that, with a seed,
    # holds events back in windows of three, shuffles each window and re-sends half of them later
    pipeline.seed_package("widgets", OLD, origin=("ALLOW", "BLOCK"))
    if seed is not None:
        pipeline.emulator.faults = Faults(event_seed=seed, event_duplicate_ratio=0.5, event_hold=3)
    # When three versions are published (three events) and the worker meets every delivery alone
    for version in NEW:
        pipeline.publish("widgets", version)
    # And a package published and deleted (two events) before any of this is delivered
    pipeline.publish("gone", "1.0.0")
    codeartifact = boto3.client(
        "codeartifact",
        endpoint_url=pipeline.emulator.endpoint,
        region_name="us-east-1",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )
    codeartifact.delete_package(
        domain=DOMAIN, repository=REPO, format="npm", namespace="acme", package="gone"
    )
    pipeline.emulator.reset_stats()
    runs = deliver_one_by_one(pipeline)

    # Then a run spent CodeArtifact calls exactly when its event was a new publish event above
    # every sequence evaluated before it: duplicates, stale publishes and our own archive echoes
    # cost nothing (a worker that re-evaluated duplicates or ignored sequence order would spend)
    seen: set[str] = set()
    highest = 0
    for detail, spent in runs:
        new = detail["eventDeduplicationId"] not in seen
        seen.add(detail["eventDeduplicationId"])
        if detail["packageName"] == "gone":
            evaluates = new  # found gone each time: no sequence is ever recorded for it
        else:
            evaluates = new and detail["operationType"] == "Created" and detail["sequenceNumber"] > highest
            if evaluates:
                highest = detail["sequenceNumber"]
        where = (detail["packageName"], detail["packageVersion"], detail["sequenceNumber"], spent)
        assert (spent > 0) == evaluates, where
    # And the archive was written once (never acted on twice), to the state in-order delivery reaches
    assert pipeline.mutating_calls() == {"UpdatePackageVersionsStatus": 1}
    assert pipeline.statuses("widgets", OLD + NEW) == END_STATE
    # And the ledger agrees: our archives recorded, the highest publish sequence evaluated, and
    # a dedupe claim for every distinct event delivered
    record = pipeline.ledger.load_package(WIDGETS)
    assert {v for v, r in record.versions.items() if r.archived_by_us} == {
        "1.0.0",
        "1.1.0",
        "1.2.0",
        "1.3.0",
        "1.4.0",
    }
    assert record.last_sequence == 3
    now = pipeline.clock()
    assert all(pipeline.ledger.event_claimed(dedupe_id, now) for dedupe_id in seen)
    emitted = {e["detail"]["eventDeduplicationId"] for e in pipeline.emulator.events}
    assert seen == emitted  # every event arrived (at least once)

    # The faulted runs really did deliver out of order and twice (else this test proves nothing)
    widgets = [d["sequenceNumber"] for d, _ in runs if d["packageName"] == "widgets"]
    gone = [d["eventDeduplicationId"] for d, _ in runs if d["packageName"] == "gone"]
    if seed is not None:
        assert [s for s in widgets if s <= 3] != sorted(s for s in widgets if s <= 3)
        assert len(gone) > len(set(gone))
    else:
        assert widgets == sorted(widgets)
        assert len(runs) == len(emitted)
