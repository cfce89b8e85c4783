"""One event, one package summary write (issue 11): the worker's use case and process_package
used to record the evaluation twice, once without and once with the sequence number."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from ca_lifecycle.facts import PackageRef
from ca_lifecycle.handlers import set_dependencies
from ca_lifecycle.ledger import DynamoDBLedger
from pipeline_rig import Pipeline

pytestmark = pytest.mark.integration


class _CountingLedger(DynamoDBLedger):
    """The deployed ledger, counting each package-summary write and what it carried."""

    def __init__(self, table_name: str) -> None:
        super().__init__(table_name)
        self.summaries: list[tuple[PackageRef, int | None]] = []

    def record_evaluation(self, package: PackageRef, at: datetime, sequence: int | None) -> None:
        self.summaries.append((package, sequence))
        super().record_evaluation(package, at, sequence)


def test_one_publish_event_writes_the_package_summary_exactly_once(pipeline: Pipeline) -> None:
    # Given a package and the deployed ledger, counted
    pipeline.seed_package("widgets", ["1.0.0", "1.1.0"])
    ledger = _CountingLedger(pipeline.ledger.table_name)
    pipeline.deps = replace(pipeline.deps, ledger=ledger)
    set_dependencies(pipeline.deps)
    # When one publish event reaches the worker
    pipeline.publish("widgets", "1.2.0")
    messages = pipeline.receive()
    assert len(messages) == 1
    body: dict[str, Any] = json.loads(messages[0]["Body"])
    pipeline.run_batch(messages)
    # Then the summary was written once, with the event's sequence number
    assert [(p.name, seq) for p, seq in ledger.summaries] == [("widgets", body["detail"]["sequenceNumber"])]
    assert ledger.last_sequence(ledger.summaries[0][0]) == body["detail"]["sequenceNumber"]
