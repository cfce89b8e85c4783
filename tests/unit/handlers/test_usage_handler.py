"""The usage handler: SQS batch in, partial batch failures out, ledger written through the use case."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ca_emulator.reads import read_event
from ca_lifecycle.app.usage import UsageIngest, day_of
from ca_lifecycle.facts import PackageRef
from ca_lifecycle.handlers import usage
from ca_lifecycle.ledger import LocalLedger
from ca_lifecycle.policy import parse_policy
from handler_fakes import LambdaContext

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
WIDGETS = PackageRef("acme", "release", "npm", "acme", "widgets", "111122223333")


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[LocalLedger]:
    ledger = LocalLedger(tmp_path / "ledger.json")
    document = parse_policy(
        {
            "version": 1,
            "policies": [
                {"id": "p", "scope": {"domain": "acme"}, "archive": [{"not_downloaded_for": "30d"}]}
            ],
        }
    )
    usage.set_ingest(UsageIngest(ledger, document))
    yield ledger
    usage.set_ingest(None)


def _record(message_id: str, body: str) -> dict[str, object]:
    return {
        "messageId": message_id,
        "body": body,
        "receiptHandle": "r",
        "eventSource": "aws:sqs",
        "attributes": {},
    }


def test_valid_reads_are_recorded_and_only_malformed_ones_fail(ledger: LocalLedger) -> None:
    good = read_event(
        account="111122223333",
        region="us-east-1",
        domain="acme",
        repository="release",
        fmt="npm",
        namespace="acme",
        name="widgets",
        version="1.0.0",
        time=T0,
    )
    bad = dict(good, detail={**good["detail"], "eventTime": "never"})
    event = {"Records": [_record("ok", json.dumps(good)), _record("bad", json.dumps(bad))]}
    response = usage.handler(event, LambdaContext())
    assert response == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
    assert ledger.load_package(WIDGETS).versions["1.0.0"].last_downloaded == day_of(T0)


def test_metadata_and_duplicate_reads_fail_nothing(ledger: LocalLedger) -> None:
    fields = {
        "account": "111122223333",
        "region": "us-east-1",
        "domain": "acme",
        "repository": "release",
        "fmt": "npm",
        "namespace": "acme",
        "name": "widgets",
        "time": T0,
    }
    bodies = [read_event(version=None, **fields), read_event(version="2.0.0", event_id="same", **fields)]
    bodies.append(bodies[-1])
    event = {"Records": [_record(f"m{i}", json.dumps(b)) for i, b in enumerate(bodies)]}
    assert usage.handler(event, LambdaContext()) == {"batchItemFailures": []}
    assert ledger.load_package(WIDGETS).versions["2.0.0"].last_downloaded == day_of(T0)


def test_the_environment_names_a_missing_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from ca_lifecycle.config import ConfigError, load_usage_settings

    with pytest.raises(ConfigError, match="LEDGER_TABLE: required environment variable is not set"):
        load_usage_settings({"POLICY_FILE": "policy.json"})
    settings = load_usage_settings({"POLICY_FILE": "p.json", "LEDGER_TABLE": "t", "OWN_ROLE_NAMES": "a, b,"})
    assert settings.role_names == ["a", "b"]
