"""deliver_digest: the ledger learns of a notice only once the notifier accepted the digest."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ca_lifecycle.app.digest import Digest, UpcomingEntry, deliver_digest, fit_for_sns
from ca_lifecycle.facts import PackageRef
from ca_lifecycle.ledger import LocalLedger, VersionRecord

NOW = datetime(2026, 1, 1, tzinfo=UTC)
WIDGETS = PackageRef("acme", "release", "npm", "acme", "widgets")


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.sent: list[tuple[str, str, Mapping[str, Any]]] = []

    def publish(self, subject: str, text: str, document: Mapping[str, Any]) -> str:
        if self.fail:
            raise RuntimeError("AuthorizationError: not allowed to publish")
        self.sent.append((subject, text, document))
        return f"message-{len(self.sent)}"


def _digest(digest_id: str = "digest-1") -> Digest:
    digest = Digest(digest_id, "acme", None, NOW, timedelta(days=7), None)
    digest.upcoming.append(
        UpcomingEntry(
            "release", "npm", "acme", "widgets", "1.0.0", "dispose", "dispose", "r", NOW, None, 2048
        )
    )
    digest.to_announce[WIDGETS] = {"1.0.0": "REV1"}
    return digest


@pytest.fixture
def ledger(tmp_path: Path) -> LocalLedger:
    ledger = LocalLedger(tmp_path / "ledger.json")
    ledger.record_versions(WIDGETS, {"1.0.0": VersionRecord(revision="REV1", archived_at=NOW)})
    return ledger


def test_a_refused_publish_records_no_notice(ledger: LocalLedger) -> None:
    delivery = deliver_digest(_digest(), Recorder(fail=True), ledger, delivered_at=NOW)
    assert (delivery.delivered, delivery.announced) == (False, 0)
    assert "AuthorizationError" in (delivery.error or "")
    assert ledger.load_package(WIDGETS).versions["1.0.0"].noticed_at is None
    assert ledger.last_notice("acme", None) is None


def test_an_accepted_publish_records_the_notice_once(ledger: LocalLedger) -> None:
    notifier = Recorder()
    first = deliver_digest(_digest("digest-1"), notifier, ledger, delivered_at=NOW)
    assert (first.delivered, first.message_id, first.announced) == (True, "message-1", 1)
    record = ledger.load_package(WIDGETS).versions["1.0.0"]
    assert (record.noticed_at, record.notice_id) == (NOW, "digest-1")
    # A later digest listing it again does not restart its notice period
    later = deliver_digest(_digest("digest-2"), notifier, ledger, delivered_at=NOW + timedelta(days=1))
    assert later.announced == 0
    assert ledger.load_package(WIDGETS).versions["1.0.0"].notice_id == "digest-1"
    last = ledger.last_notice("acme", None)
    assert last is not None
    assert last.notice_id == "digest-2"
    # The text names the disposal, its date and the upper-bound bytes
    subject, text, document = notifier.sent[0]
    assert subject.startswith("codeartifact-lifecycle acme: 1 disposal(s)")
    assert "2026-01-01T00:00:00Z  release/npm/acme/widgets@1.0.0  (dispose)" in text
    assert "at most 2048 bytes (upper bound" in text
    assert document["summary"]["bytes_upper_bound"] == 2048


def test_a_new_artifact_under_the_announced_version_is_not_noticed(ledger: LocalLedger) -> None:
    ledger.record_versions(WIDGETS, {"1.0.0": VersionRecord(revision="REV2", archived_at=NOW)})
    assert deliver_digest(_digest(), Recorder(), ledger, delivered_at=NOW).announced == 0


def test_the_json_copy_is_trimmed_to_fit_sns_and_says_so() -> None:
    document = {"upcoming": [{"version": str(i), "reason": "x" * 200} for i in range(5000)], "done": []}
    trimmed = fit_for_sns(document, limit=50_000)
    import json

    assert len(json.dumps(trimmed)) <= 50_000
    assert trimmed["upcoming_truncated"] is True
    assert fit_for_sns({"upcoming": [], "done": []}) == {"upcoming": [], "done": []}


def test_sns_notifier_keeps_a_huge_digest_under_the_publish_limit() -> None:
    import json

    import boto3
    from ca_lifecycle.notify import MAX_MESSAGE_BYTES, SnsNotifier
    from moto import mock_aws

    with mock_aws():
        sns = boto3.client("sns", region_name="us-east-1")
        arn = sns.create_topic(Name="digests")["TopicArn"]
        sent: list[dict[str, Any]] = []
        sns.meta.events.register(
            "provide-client-params.sns.Publish", lambda params, **_: sent.append(dict(params))
        )
        document = {"upcoming": [{"version": str(i), "reason": "x" * 300} for i in range(20_000)], "done": []}
        message_id = SnsNotifier(arn, client=sns).publish("s" * 150 + "\nline", "t" * 100_000, document)
    assert message_id
    (params,) = sent
    body = params["Message"]
    assert len(body.encode()) <= MAX_MESSAGE_BYTES
    copies = json.loads(body)
    assert json.loads(copies["sqs"])["upcoming_truncated"] is True
    assert "cut; the JSON copy lists all" in copies["email"]
    assert len(params["Subject"]) < 100
    assert "\n" not in params["Subject"]
