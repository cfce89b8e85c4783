"""The real flow: emulator events → moto EventBridge rule → moto SQS → worker → emulator state."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from ca_lifecycle.facts import PackageRef
from ca_lifecycle.gateway import CodeArtifactGateway
from ca_lifecycle.handlers import set_dependencies, sweep
from ca_lifecycle.messages import PackageWorkItem
from pipeline_rig import DOMAIN, OWNER, REPO, TABLE, LambdaContext, Pipeline, policy

QUICK_GIVE_UP = Config(retries={"mode": "standard", "total_max_attempts": 2})

pytestmark = pytest.mark.integration

OLD = ["1.0.0", "1.1.0", "1.2.0", "1.3.0"]
ALL = [*OLD, "1.4.0"]
WIDGETS = PackageRef(DOMAIN, REPO, "npm", "acme", "widgets", OWNER)


def published_and_drained(pipeline: Pipeline) -> None:
    """Given widgets 1.0.0-1.3.0 (ALLOW/ALLOW) and a publish of 1.4.0 whose event is drained."""
    pipeline.seed_package("widgets", OLD)
    pipeline.publish("widgets", "1.4.0")
    pipeline.drain()


def test_a_publish_event_brings_the_package_to_policy(pipeline: Pipeline) -> None:
    # Given / When
    published_and_drained(pipeline)
    # Then everything beyond the newest two is archived, and the origin is locked for INTERNAL
    assert pipeline.statuses("widgets", ALL) == {
        "1.0.0": "Archived",
        "1.1.0": "Archived",
        "1.2.0": "Archived",
        "1.3.0": "Published",
        "1.4.0": "Published",
    }
    assert pipeline.origin("widgets") == {"publish": "ALLOW", "upstream": "BLOCK"}
    # And the ledger knows when we archived them, and the highest sequence evaluated
    record = pipeline.ledger.load_package(WIDGETS)
    archived = {v for v, r in record.versions.items() if r.archived_by_us}
    assert archived == {"1.0.0", "1.1.0", "1.2.0"}
    assert record.last_sequence is not None
    assert record.last_sequence >= 1
    # And our own archive events came back through the rule and settled as no-ops
    assert len(pipeline.handled) > 1
    assert pipeline.emulator.stats()["UpdatePackageVersionsStatus"] == 1
    assert pipeline.queue_depth() == 0
    assert pipeline.queue_depth(pipeline.dlq_url) == 0


def test_the_burst_of_our_own_archive_events_settles_without_codeartifact_calls(pipeline: Pipeline) -> None:
    # Given a package of 60 old versions (already locked) whose publish event archives 59 of them
    old = [f"1.{i}.0" for i in range(60)]
    pipeline.seed_package("widgets", old, origin=("ALLOW", "BLOCK"))
    pipeline.publish("widgets", "2.0.0")
    response = pipeline.run_batch(pipeline.receive())
    assert response["batchItemFailures"] == []
    assert pipeline.emulator.stats()["UpdatePackageVersionsStatus"] == 1
    pipeline.emulator.reset_stats()
    # When the 59 events our own write caused come back through the rule (six batches)
    batches = pipeline.drain()
    # Then they all succeed, none lands in the DLQ, and not one CodeArtifact call is spent
    assert batches == 6
    assert len(pipeline.handled) == 1 + 59
    assert pipeline.emulator.stats() == {}
    assert all(r["batchItemFailures"] == [] for r in pipeline.responses)
    assert pipeline.queue_depth(pipeline.dlq_url) == 0


def test_duplicate_and_out_of_order_events_change_nothing_twice(pipeline: Pipeline) -> None:
    # Given a package already brought to policy by its publish event
    published_and_drained(pipeline)
    publish_body = pipeline.handled[0]
    before = pipeline.statuses("widgets", ALL)
    pipeline.emulator.reset_stats()
    # When the same event is delivered twice more, and an older event (lower sequence) arrives late
    older = json.loads(publish_body)
    older["detail"]["eventDeduplicationId"] = "an-older-event-never-seen"
    older["detail"]["sequenceNumber"] = 0
    older["id"] = "late-event"
    pipeline.send_raw(publish_body, publish_body, json.dumps(older))
    pipeline.drain()
    # Then nothing changes, and no CodeArtifact call at all was spent on them
    assert pipeline.statuses("widgets", ALL) == before
    assert pipeline.emulator.stats() == {}
    assert all(r["batchItemFailures"] == [] for r in pipeline.responses)


def test_dry_run_makes_zero_mutating_calls(pipeline: Pipeline) -> None:
    # Given the same situation under a dry-run policy
    pipeline.use_policy(policy(mode="dry-run"))
    published_and_drained(pipeline)
    # Then nothing was written, the package is untouched, but it was evaluated
    assert pipeline.mutating_calls() == {}
    assert set(pipeline.statuses("widgets", ALL).values()) == {"Published"}
    assert pipeline.origin("widgets") == {"publish": "ALLOW", "upstream": "ALLOW"}
    assert pipeline.emulator.stats()["ListPackageVersions"] >= 1


def test_a_dry_run_sweep_makes_zero_mutating_calls_but_counts_what_enforce_would_do(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an unlocked package with old versions, and archives of ours past archived_for
    pipeline.seed_package("widgets", OLD)
    pipeline.use_policy(policy(mode="dry-run"))
    # When the scheduled sweep runs, its pages fan out and every item is handled
    pipeline.sweep()
    pipeline.drain()
    # Then the package was listed and evaluated, but nothing at all was written
    stats = pipeline.emulator.stats()
    assert stats["ListPackages"] >= 1
    assert stats["ListPackageVersions"] >= 1
    assert pipeline.mutating_calls() == {}
    assert set(pipeline.statuses("widgets", OLD).values()) == {"Published"}
    assert pipeline.origin("widgets") == {"publish": "ALLOW", "upstream": "ALLOW"}
    # And the decisions were counted as planned (the numbers enforce would act on)
    planned = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if '"ArchivesPlanned"' in line
    ]
    values = [line["ArchivesPlanned"] for line in planned]
    assert sum(sum(v) if isinstance(v, list) else v for v in values) == 2
    assert not any("VersionsArchived" in line for line in planned)


def test_a_concurrent_status_change_is_skipped_not_overwritten(pipeline: Pipeline) -> None:
    # Given another client will unlist 1.0.0 between our listing and our archive write
    pipeline.seed_package("widgets", OLD)
    pipeline.emulator.faults.concurrent_change = {
        "package": (DOMAIN, REPO, "npm", "acme", "widgets"),
        "version": "1.0.0",
        "to_status": "Unlisted",
    }
    pipeline.publish("widgets", "1.4.0")
    # When the worker handles just that publish event
    first = pipeline.receive()
    assert len(first) == 1
    response = pipeline.run_batch(first)
    # Then 1.0.0 keeps the other client's status; the rest of the write went through
    assert response["batchItemFailures"] == []
    assert pipeline.statuses("widgets", ["1.0.0", "1.1.0", "1.2.0"]) == {
        "1.0.0": "Unlisted",
        "1.1.0": "Archived",
        "1.2.0": "Archived",
    }
    # And the ledger does not claim we archived 1.0.0
    assert not pipeline.ledger.load_package(WIDGETS).versions.get("1.0.0", _NOT_ARCHIVED).archived_by_us


class _NotArchived:
    archived_by_us = False


_NOT_ARCHIVED = _NotArchived()


def test_a_throttling_burst_is_survived_with_nothing_lost(pipeline: Pipeline) -> None:
    # Given every other CodeArtifact request is throttled (Retry-After: 0 s); the production
    # gateway's adaptive retries absorb it (and slow down: this test takes seconds)
    pipeline.seed_package("widgets", OLD)
    faults = pipeline.emulator.faults
    faults.throttle_every, faults.throttle_retry_after = 2, 0
    # When a publish event is drained
    pipeline.publish("widgets", "1.4.0")
    pipeline.drain()
    # Then the package reached policy, nothing is left in the queue or the DLQ
    assert pipeline.statuses("widgets", ALL) == {
        "1.0.0": "Archived",
        "1.1.0": "Archived",
        "1.2.0": "Archived",
        "1.3.0": "Published",
        "1.4.0": "Published",
    }
    assert pipeline.origin("widgets") == {"publish": "ALLOW", "upstream": "BLOCK"}
    assert pipeline.queue_depth() == 0
    assert pipeline.queue_depth(pipeline.dlq_url) == 0


def test_retries_exhausted_fail_the_record_and_sqs_redelivers_it(pipeline: Pipeline) -> None:
    # Given CodeArtifact throttles everything while the first batch runs
    pipeline.seed_package("widgets", OLD)
    pipeline.publish("widgets", "1.4.0")
    faults = pipeline.emulator.faults
    faults.throttle_ratio, faults.throttle_retry_after = 1.0, 0
    # (a gateway that gives up after 2 attempts, so exhausting retries takes no time)
    pipeline.use_gateway(CodeArtifactGateway(boto3.client("codeartifact", config=QUICK_GIVE_UP)))
    response = pipeline.run_batch(pipeline.receive())
    # Then the record failed (it stays in the queue), and nothing was marked done
    assert len(response["batchItemFailures"]) == 1
    assert pipeline.ledger.last_sequence(WIDGETS) is None
    # When the throttling ends and SQS redelivers
    faults.throttle_ratio = 0.0
    pipeline.drain()
    # Then the package reached policy
    assert pipeline.statuses("widgets", ["1.2.0", "1.3.0"]) == {"1.2.0": "Archived", "1.3.0": "Published"}


def test_a_malformed_record_fails_alone_and_ends_in_the_dlq(pipeline: Pipeline) -> None:
    # Given a malformed body queued next to a real publish event
    pipeline.seed_package("widgets", OLD)
    pipeline.send_raw('{"version": "0", "detail-type": "CodeArtifact Package Version State Change"')
    pipeline.publish("widgets", "1.4.0")
    messages = pipeline.receive()
    assert len(messages) == 2
    malformed_id = next(m["MessageId"] for m in messages if not m["Body"].endswith("}"))
    # When the worker handles the batch
    response = pipeline.run_batch(messages)
    # Then exactly the malformed record failed, and the event did its work
    assert response["batchItemFailures"] == [{"itemIdentifier": malformed_id}]
    assert pipeline.statuses("widgets", ["1.2.0"]) == {"1.2.0": "Archived"}
    # And after the queue's retries it lands in the DLQ, alone
    pipeline.drain()
    dead = pipeline.receive(pipeline.dlq_url)
    assert [m["MessageId"] for m in dead] == [malformed_id]


def test_work_for_a_package_deleted_meanwhile_succeeds_without_recreating_it(pipeline: Pipeline) -> None:
    # Given a sweep item for a package the repository no longer has, next to a real publish
    pipeline.seed_package("widgets", OLD)
    gone = PackageRef(DOMAIN, REPO, "npm", "acme", "gone", OWNER)
    pipeline.send_raw(PackageWorkItem.for_package(gone).model_dump_json())
    pipeline.publish("widgets", "1.4.0")
    # When the queue is drained
    pipeline.drain()
    # Then nothing failed or reached the DLQ, the package was not re-created, widgets reached policy
    assert all(r["batchItemFailures"] == [] for r in pipeline.responses)
    assert pipeline.queue_depth(pipeline.dlq_url) == 0
    with pytest.raises(KeyError):
        pipeline.origin("gone")
    assert pipeline.statuses("widgets", ["1.2.0"]) == {"1.2.0": "Archived"}


def test_dispose_follows_once_archived_for_has_elapsed(pipeline: Pipeline) -> None:
    # Given versions we archived
    published_and_drained(pipeline)
    # When 31 days pass and a sweep item for the package is handled
    pipeline.clock.offset = timedelta(days=31)
    pipeline.sweep()
    pipeline.drain()
    # Then the archived versions are disposed (archived_for: 30d), the kept ones untouched
    assert pipeline.statuses("widgets", ALL) == {
        "1.0.0": "Disposed",
        "1.1.0": "Disposed",
        "1.2.0": "Disposed",
        "1.3.0": "Published",
        "1.4.0": "Published",
    }


def test_the_sweep_enqueues_pages_then_packages_and_brings_every_package_to_policy(
    pipeline: Pipeline,
) -> None:
    # Given packages that never sent an event: two in scope (one in a ci-* repository),
    # one outside the scope's package pattern, one in a repository outside its globs
    pipeline.emulator.create_repository(DOMAIN, "ci-main")
    pipeline.emulator.create_repository(DOMAIN, "sandbox")
    pipeline.seed_package("widgets", OLD)
    pipeline.seed_package("gadgets", ["2.0.0", "2.1.0", "2.2.0"], repository="ci-main")
    pipeline.seed_package("outsider", ["0.1.0", "0.2.0", "0.3.0"], namespace="other")
    pipeline.seed_package("toy", ["0.1.0", "0.2.0", "0.3.0"], repository="sandbox")
    # When the scheduled sweep runs
    summary = pipeline.sweep()
    # Then it enqueued one repository page per repository in scope, nothing else
    assert sorted(summary["repositories"]) == ["acme/ci-main", "acme/release"]
    first = pipeline.receive()
    kinds = sorted(json.loads(m["Body"])["kind"] for m in first)
    assert kinds == ["repository-page", "repository-page"]
    # When the worker handles the pages
    pipeline.run_batch(first)
    # Then they enqueued one package item per in-scope package
    items = pipeline.receive()
    assert sorted(json.loads(m["Body"])["name"] for m in items) == ["gadgets", "widgets"]
    assert {json.loads(m["Body"])["kind"] for m in items} == {"package"}
    pipeline.run_batch(items)
    pipeline.drain()
    # And every in-scope package is at policy; the others untouched
    assert pipeline.statuses("widgets", OLD)["1.1.0"] == "Archived"
    assert (
        pipeline.emulator.version_status(DOMAIN, "ci-main", "npm", "acme", "gadgets", "2.0.0") == "Archived"
    )
    assert pipeline.statuses("outsider", ["0.1.0"], namespace="other") == {"0.1.0": "Published"}
    assert pipeline.emulator.version_status(DOMAIN, "sandbox", "npm", "acme", "toy", "0.1.0") == "Published"
    assert pipeline.origin("widgets") == {"publish": "ALLOW", "upstream": "BLOCK"}


def test_handlers_wired_from_the_lambda_environment(
    pipeline: Pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the deployed configuration: env variables and a policy file in the task root
    (tmp_path / "policy.json").write_text(json.dumps(policy()))
    monkeypatch.setenv("LAMBDA_TASK_ROOT", str(tmp_path))
    monkeypatch.setenv("POLICY_FILE", "policy.json")
    monkeypatch.setenv("LEDGER_TABLE", TABLE)
    monkeypatch.setenv("WORK_QUEUE_URL", pipeline.queue_url)
    set_dependencies(None)  # the handlers build their own clients, lazily, from the environment
    pipeline.seed_package("widgets", OLD)
    # When the sweep runs and the worker drains the queue
    assert pipeline.sweep()["enqueued"] == 1
    pipeline.drain()
    # Then the package reached policy through the env-built gateway, ledger and queue
    assert pipeline.statuses("widgets", OLD) == {
        "1.0.0": "Archived",
        "1.1.0": "Archived",
        "1.2.0": "Published",
        "1.3.0": "Published",
    }
    assert pipeline.ledger.load_package(WIDGETS).last_evaluated is not None


def test_an_unlocked_only_sweep_visits_just_the_allow_allow_packages(pipeline: Pipeline) -> None:
    # Given one package left ALLOW/ALLOW (pre-2022 style) and one already locked
    pipeline.seed_package("widgets", OLD, origin=("ALLOW", "ALLOW"))
    pipeline.seed_package("gadgets", ["2.0.0", "2.1.0", "2.2.0"], origin=("ALLOW", "BLOCK"))
    # When the sweep runs with unlocked_only and its repository page is handled
    summary = sweep.handler({"kind": "sweep", "unlocked_only": True}, LambdaContext(function_name="sweep"))
    assert summary["unlocked_only"] is True
    pipeline.run_batch(pipeline.receive())
    # Then only the unlocked package was enqueued (ListPackages publish/upstream filters)
    items = [json.loads(m["Body"]) for m in pipeline.receive()]
    assert [item["name"] for item in items] == ["widgets"]
    # And once drained, the unlocked package is locked and at policy; the other was not visited
    pipeline.drain()  # (received messages stay queued until the worker succeeds on them)
    assert pipeline.origin("widgets") == {"publish": "ALLOW", "upstream": "BLOCK"}
    assert pipeline.statuses("widgets", OLD)["1.0.0"] == "Archived"
    assert pipeline.statuses("gadgets", ["2.0.0"], namespace="acme") == {"2.0.0": "Published"}
