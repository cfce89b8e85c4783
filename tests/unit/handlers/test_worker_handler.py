"""The worker handler with fakes: parsing, grouping, dedupe, ordering, failures, pages, metrics."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ca_lifecycle.app.outcomes import DONE, failed, skipped
from ca_lifecycle.facts import Action, PackageRef, Restriction
from ca_lifecycle.handlers import worker
from ca_lifecycle.ledger import VersionRecord
from ca_lifecycle.messages import PackageWorkItem, RepositoryPageItem
from handler_fakes import (
    EVENTS,
    NOW,
    LambdaContext,
    World,
    failed_ids,
    sample_events,
    sqs_event,
)

WIDGETS = PackageRef("acme", "release", "npm", "acme", "widgets", "111122223333")


def run(*bodies: str | dict[str, Any]) -> dict[str, Any]:
    return dict(worker.handler(sqs_event(*bodies), LambdaContext()))


def output_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    lines = []
    for line in capsys.readouterr().out.splitlines():
        try:
            lines.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return lines


def log_records(caplog: pytest.LogCaptureFixture, message: str) -> list[dict[str, Any]]:
    """Records the Powertools logger emitted with ``message``, as dicts of their extra keys."""
    return [vars(record) for record in caplog.records if record.getMessage() == message]


def metric_totals(lines: list[dict[str, Any]]) -> dict[str, float]:
    """Sum every EMF metric value emitted (Powertools prints one EMF document per flush)."""
    totals: dict[str, float] = {}
    for line in lines:
        if "_aws" not in line:
            continue
        for directive in line["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                value = line[metric["Name"]]
                totals[metric["Name"]] = totals.get(metric["Name"], 0) + sum(
                    value if isinstance(value, list) else [value]
                )
    return totals


def event(name: str, index: int = 0) -> dict[str, Any]:
    return copy.deepcopy(sample_events(name)[index])


def body_of(path: str) -> str:
    return (EVENTS / path).read_text()


# ------------------------------------------------------------------------------ malformed


def test_malformed_records_fail_alone(world: World, caplog: pytest.LogCaptureFixture) -> None:
    # Given a batch mixing good events and malformed bodies
    response = run(
        event("npm-publish.json"),
        body_of("malformed/not-json.json"),
        body_of("malformed/missing-package-name.json"),
        event("pypi-publish.json"),
    )
    # Then exactly the malformed records fail, and both good packages were evaluated
    assert failed_ids(response) == ["m1", "m2"]
    assert sorted(call["package"].name for call in world.service.calls) == ["acme-tools", "widgets"]
    # And each failure was logged with its message id and the field at fault
    errors = log_records(caplog, "malformed message")
    assert {(e["message_id"], e["field"]) for e in errors} == {("m1", "body"), ("m2", "detail.packageName")}


def test_a_batch_of_only_malformed_records_reports_them_all(world: World) -> None:
    response = run("not json", {"kind": "nope"})
    assert failed_ids(response) == ["m0", "m1"]
    assert world.service.calls == []


def test_a_deeply_nested_body_fails_alone_instead_of_crashing_the_batch(world: World) -> None:
    # Given a body nested deeper than the JSON decoder's recursion limit (well under SQS's 256 KB)
    poison = "[" * 100_000
    # When it shares a batch with a good event
    response = run(poison, event("npm-publish.json"))
    # Then only it fails (the invocation did not crash, which would fail and re-drive all ten)
    assert failed_ids(response) == ["m0"]
    assert [call["package"] for call in world.service.calls] == [WIDGETS]


def test_an_unexpected_parse_error_fails_only_its_record(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the parser blows up on one body with something other than InvalidMessage
    from ca_lifecycle.app import worker as batch

    real = batch.parse_work_message

    def flaky(body: str) -> Any:
        if body == "explode":
            raise RuntimeError("parser bug")
        return real(body)

    monkeypatch.setattr(batch, "parse_work_message", flaky)
    # When it shares a batch with a good event
    response = run(event("npm-publish.json"), "explode")
    # Then only that record fails and the event is evaluated
    assert failed_ids(response) == ["m1"]
    assert [call["package"] for call in world.service.calls] == [WIDGETS]


# ------------------------------------------------------------------------------ grouping


def test_records_of_one_package_collapse_into_one_evaluation(world: World) -> None:
    # Given a publish (seq 12), an archive (seq 13) and a sweep item for the same package
    response = run(
        event("npm-publish.json"),
        event("archive.json"),
        PackageWorkItem.for_package(WIDGETS).model_dump(),
    )
    # Then the package is evaluated once, and the highest sequence is recorded
    assert failed_ids(response) == []
    assert [call["package"] for call in world.service.calls] == [WIDGETS]
    assert world.service.calls[0]["apply"] is True
    assert world.ledger.last_sequence(WIDGETS) == 13


def test_only_created_events_supply_publish_times(world: World) -> None:
    # A Created event's time is the publish time; an Updated one (archive/restore) is not.
    run(event("npm-publish.json"), event("archive.json"))
    assert world.service.calls[0]["known_published"] == {
        "1.4.0": datetime(2025, 6, 1, 10, 15, 30, tzinfo=UTC)
    }


def test_maven_two_step_publish_is_one_evaluation(world: World) -> None:
    response = run(event("maven-publish-1-created.json"), event("maven-publish-2-published.json"))
    assert failed_ids(response) == []
    assert len(world.service.calls) == 1
    assert world.service.calls[0]["package"].namespace == "com.acme"


def test_one_failing_package_fails_all_its_records_and_only_those(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the widgets evaluation raises (e.g. throttled beyond retries)
    world.service.fail["widgets"] = RuntimeError("Throttled")
    response = run(event("npm-publish.json"), event("pypi-publish.json"), event("archive.json"))
    # Then both widgets records fail together; the pypi record succeeds
    assert failed_ids(response) == ["m0", "m2"]
    # And nothing marks the widgets events as done: no claim, no sequence
    assert world.ledger.last_sequence(WIDGETS) is None
    assert not world.ledger.event_claimed(event("npm-publish.json")["detail"]["eventDeduplicationId"], NOW)
    assert metric_totals(output_lines(capsys))["EvaluationErrors"] == 1


def test_a_failed_evaluation_is_retried_not_lost(world: World) -> None:
    # Given the first delivery fails
    world.service.fail["widgets"] = RuntimeError("boom")
    assert failed_ids(run(event("npm-publish.json"))) == ["m0"]
    # When SQS redelivers it and the evaluation now works
    world.service.fail.clear()
    assert failed_ids(run(event("npm-publish.json"))) == []
    # Then it was evaluated again and is now recorded
    assert len(world.service.calls) == 2
    assert world.ledger.last_sequence(WIDGETS) == 12


class _ShrinkingContext(LambdaContext):
    """A Lambda context whose clock drops by ``step_ms`` on every look."""

    def __init__(self, start_ms: int, step_ms: int) -> None:
        super().__init__()
        self.left, self.step = start_ms, step_ms

    def get_remaining_time_in_millis(self) -> int:
        self.left -= self.step
        return self.left


def test_records_not_started_before_the_deadline_fail_for_a_retry(world: World) -> None:
    # Given three packages in one batch, and an invocation about to run out after the first
    bodies = (event("npm-publish.json"), event("pypi-publish.json"), event("maven-publish-1-created.json"))
    context = _ShrinkingContext(start_ms=45_000, step_ms=10_000)
    # When the worker runs
    response = dict(worker.handler(sqs_event(*bodies), context))
    # Then the first package was evaluated; the others were not started and fail for a retry
    assert [call["package"].name for call in world.service.calls] == ["widgets"]
    assert failed_ids(response) == ["m1", "m2"]
    # And nothing of theirs is marked done, so their redelivery is evaluated normally
    assert not world.ledger.event_claimed(event("pypi-publish.json")["detail"]["eventDeduplicationId"], NOW)


def test_with_time_to_spare_every_record_runs(world: World) -> None:
    bodies = (event("npm-publish.json"), event("pypi-publish.json"))
    response = dict(worker.handler(sqs_event(*bodies), _ShrinkingContext(600_000, 1_000)))
    assert failed_ids(response) == []
    assert len(world.service.calls) == 2


# ------------------------------------------------------------------------------ dedupe / ordering


def test_duplicate_delivery_in_one_batch_is_evaluated_once(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = sample_events("duplicate-delivery.json")
    response = run(first, second)
    assert failed_ids(response) == []
    assert len(world.service.calls) == 1
    assert metric_totals(output_lines(capsys))["EventsDeduplicated"] == 1


def test_duplicate_delivery_in_a_later_batch_is_skipped(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = sample_events("duplicate-delivery.json")
    run(first)
    response = run(second)
    assert failed_ids(response) == []
    assert len(world.service.calls) == 1
    assert metric_totals(output_lines(capsys)).get("EventsDeduplicated") == 1


def _archive_event(version: str, state: str = "Archived", revision: str = "REV-A") -> dict[str, Any]:
    body = event("archive.json")
    body["detail"].update(
        packageVersion=version,
        packageVersionState=state,
        packageVersionRevision=revision,
        eventDeduplicationId=f"echo-{version}-{state}-{revision}",
    )
    return body


def test_status_events_the_ledger_already_knows_settle_without_evaluation(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the ledger records 1.0.0 and 1.1.0 as archived by us (revision REV-A)
    ours = VersionRecord(revision="REV-A", archived_at=NOW, archived_by_us=True)
    world.ledger.record_versions(WIDGETS, {"1.0.0": ours, "1.1.0": ours})
    # When the events of those archives (and of a later dispose) come back
    response = run(_archive_event("1.0.0"), _archive_event("1.1.0"), _archive_event("1.0.0", "Disposed"))
    # Then they succeed without any evaluation, are claimed, and leave the sequence alone
    assert failed_ids(response) == []
    assert world.service.calls == []
    assert world.ledger.event_claimed("echo-1.0.0-Archived-REV-A", NOW)
    assert world.ledger.last_sequence(WIDGETS) is None
    assert metric_totals(output_lines(capsys))["EventsSettled"] == 3


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (lambda: _archive_event("1.2.0"), "a version the ledger never saw archived"),
        (lambda: _archive_event("1.0.0", revision="REV-B"), "new assets under the same version"),
        (lambda: _archive_event("1.0.0", "Published"), "a restore"),
        (lambda: event("npm-publish.json"), "a publish"),
    ],
)
def test_events_with_news_are_evaluated_even_beside_known_ones(world: World, body: Any, why: str) -> None:
    ours = VersionRecord(revision="REV-A", archived_at=NOW, archived_by_us=True)
    world.ledger.record_versions(WIDGETS, {"1.0.0": ours})
    run(_archive_event("1.0.0", "Disposed"), body())
    assert len(world.service.calls) == 1, why


def test_out_of_order_event_is_a_cheap_no_op(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    # Given sequence 7 is processed before sequence 6 arrives
    seven, six = sample_events("out-of-order.json")
    run(seven)
    response = run(six)
    # Then 6 succeeds without another evaluation, counted as stale
    assert failed_ids(response) == []
    assert len(world.service.calls) == 1
    gadgets = world.service.calls[0]["package"]
    assert world.ledger.last_sequence(gadgets) == 7
    assert metric_totals(output_lines(capsys))["EventsStale"] == 1


def test_stale_event_with_a_sweep_item_still_evaluates(world: World) -> None:
    seven, six = sample_events("out-of-order.json")
    run(seven)
    gadgets = PackageRef("acme", "release", "npm", "acme", "gadgets", "111122223333")
    run(six, PackageWorkItem.for_package(gadgets).model_dump())
    assert len(world.service.calls) == 2
    assert world.ledger.last_sequence(gadgets) == 7


# ------------------------------------------------------------------------------ metrics / logs


def test_outcomes_become_metrics(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.service.decisions["widgets"] = [
        ("1.0.0", Action.ARCHIVE),
        ("1.1.0", Action.ARCHIVE),
        ("0.9.0", Action.DISPOSE),
        ("1.2.0", Action.SKIP),
        ("1.4.0", Action.KEEP),
    ]
    world.service.outcomes["widgets"] = {
        "1.0.0": DONE,
        "1.1.0": skipped("MISMATCHED_STATUS", "current status: Unlisted"),
        "0.9.0": failed("NOT_ALLOWED", "nope"),
    }
    world.service.origin_outcome = DONE
    run(event("npm-publish.json"))
    totals = metric_totals(output_lines(capsys))
    assert totals == {
        "RecordsReceived": 1,
        "PackagesEvaluated": 1,
        "ArchivesPlanned": 2,
        "DisposalsPlanned": 1,
        "VersionsArchived": 1,
        "ActionsSkipped": 2,
        "OriginsLocked": 1,
        "EvaluationErrors": 1,
    }


def test_dry_run_logs_decisions_and_counts_only_plans(
    world: World, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    world.service.applied = False
    world.service.decisions["widgets"] = [("1.0.0", Action.ARCHIVE), ("1.4.0", Action.KEEP)]
    run(event("npm-publish.json"))
    lines = output_lines(capsys)
    (evaluated,) = log_records(caplog, "package evaluated")
    assert evaluated["applied"] is False
    assert evaluated["decisions"] == [
        {"version": "1.0.0", "status": "Published", "action": "archive", "reason": "test archive"}
    ]
    # The log's correlation id is the EventBridge event id
    assert worker.logger.get_correlation_id() == event("npm-publish.json")["id"]
    totals = metric_totals(lines)
    assert totals["ArchivesPlanned"] == 1
    assert "VersionsArchived" not in totals


# ------------------------------------------------------------------------------ repository pages


def test_repository_page_enqueues_in_scope_packages_and_the_next_page(world: World) -> None:
    # Given a page with two npm/acme packages, one npm package outside the scope's pattern and a next token
    owner = "111122223333"
    in_scope = [
        PackageRef("acme", "ci-main", "npm", "acme", "widgets", owner),
        PackageRef("acme", "ci-main", "npm", "acme", "gadgets", owner),
    ]
    other = PackageRef("acme", "ci-main", "npm", "other", "left-alone", owner)
    world.gateway.pages[("ci-main", None)] = ([in_scope[0], other, in_scope[1]], "tok-2")
    page = RepositoryPageItem(domain="acme", domain_owner=owner, repository="ci-main")
    # When the worker handles the page item
    response = run(page.model_dump())
    # Then it enqueues a package item per in-scope package, then the next page
    assert failed_ids(response) == []
    bodies = world.queue.bodies()
    assert [b["kind"] for b in bodies] == ["package", "package", "repository-page"]
    assert [b.get("name") for b in bodies[:2]] == ["widgets", "gadgets"]
    assert bodies[2]["next_token"] == "tok-2"
    assert bodies[2]["page"] == 1  # counted, so a listing that never ends stops by itself
    assert world.service.calls == []  # pages list; packages are evaluated when their items arrive


def test_a_listing_past_the_page_cap_stops_in_the_dlq_instead_of_looping(world: World) -> None:
    # Given the last page the cap allows, and the API still answering with a next token
    from ca_lifecycle.messages import MAX_REPOSITORY_PAGES

    world.gateway.pages[("release", "tok-n")] = ([WIDGETS], "tok-n+1")
    page = RepositoryPageItem(
        domain="acme",
        domain_owner="111122223333",
        repository="release",
        next_token="tok-n",
        page=MAX_REPOSITORY_PAGES - 1,
    )
    # When the worker handles it
    response = run(page.model_dump())
    # Then this page's packages are queued, no further page is, and the record fails (to the DLQ)
    assert failed_ids(response) == ["m0"]
    assert [b["kind"] for b in world.queue.bodies()] == ["package"]


def test_a_page_whose_items_fail_to_enqueue_does_not_fork_the_listing(world: World) -> None:
    # Given SQS rejects one package entry of the page's fan-out twice (FailedEntryCount > 0)
    from dataclasses import replace

    from ca_lifecycle.handlers import set_dependencies
    from ca_lifecycle.queue import WorkQueue
    from test_sweep_and_wiring import FakeSQS

    sqs = FakeSQS(fail_ids=[{"0"}, {"0"}])
    set_dependencies(replace(world.deps, queue=WorkQueue("https://sqs/q", client=sqs)))  # type: ignore[arg-type]
    world.gateway.pages[("release", None)] = ([WIDGETS], "tok-2")
    page = RepositoryPageItem(domain="acme", domain_owner="111122223333", repository="release").model_dump()
    # When the page is handled, fails, and SQS redelivers it
    first = run(page)
    second = run(page)
    # Then the first attempt failed without enqueuing the next page, and the retry enqueued it
    # once: a duplicated next page would list the rest of the repository twice.
    assert (failed_ids(first), failed_ids(second)) == (["m0"], [])
    kinds = [json.loads(e["MessageBody"])["kind"] for call in sqs.calls for e in call]
    assert kinds.count("repository-page") == 1


def test_last_page_enqueues_no_further_page(world: World) -> None:
    world.gateway.pages[("release", "tok-9")] = ([WIDGETS], None)
    run(
        RepositoryPageItem(
            domain="acme", domain_owner="111122223333", repository="release", next_token="tok-9"
        ).model_dump()
    )
    assert [b["kind"] for b in world.queue.bodies()] == ["package"]


def test_unlocked_only_pages_use_the_allow_allow_filters(world: World) -> None:
    page = RepositoryPageItem(domain="acme", domain_owner=None, repository="release", unlocked_only=True)
    run(page.model_dump())
    call = world.gateway.calls[-1]
    assert call[-2:] == (Restriction.ALLOW, Restriction.ALLOW)


def test_a_failing_page_fails_only_its_record(world: World) -> None:
    world.gateway.fail_listing = RuntimeError("ListPackages: ThrottlingException")
    page = RepositoryPageItem(domain="acme", domain_owner=None, repository="release")
    response = run(page.model_dump(), event("npm-publish.json"))
    assert failed_ids(response) == ["m0"]
    assert len(world.service.calls) == 1


def test_an_event_no_policy_can_claim_costs_no_evaluation(world: World) -> None:
    # Given an event for a package outside every policy's scope (a sandbox repository)
    outsider = event("npm-publish.json")
    outsider["detail"]["repositoryName"] = "sandbox"
    # When it is handled, twice
    assert failed_ids(run(outsider)) == []
    run(outsider)
    # Then no evaluation ran, and the second delivery was a plain duplicate
    assert world.service.calls == []
    assert world.ledger.event_claimed(outsider["detail"]["eventDeduplicationId"], NOW)


# ----------------------------------------------- bounded sequence numbers (issue 17, finding 7)


def _publish_event(sequence: int, at: datetime, dedupe: str) -> dict[str, Any]:
    body = copy.deepcopy(event("npm-publish.json"))
    body["time"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    body["detail"]["sequenceNumber"] = sequence
    body["detail"]["eventDeduplicationId"] = dedupe
    return body


def test_a_sequence_number_beyond_what_aws_emits_fails_alone_naming_the_field(world: World) -> None:
    response = run(_publish_event(2**70, NOW, "poison"), _publish_event(3, NOW, "fine"))
    assert failed_ids(response) == ["m0"]
    assert len(world.service.calls) == 1


def test_a_huge_sequence_number_cannot_silence_the_package(world: World) -> None:
    from dataclasses import replace as with_field

    from ca_lifecycle.events import MAX_SEQUENCE
    from ca_lifecycle.handlers import set_dependencies

    # Given an event with the largest sequence number evaluated at NOW
    run(_publish_event(MAX_SEQUENCE, NOW - timedelta(minutes=5), "big"))
    assert world.ledger.last_sequence(WIDGETS) == MAX_SEQUENCE
    # When a later change arrives with an ordinary number, after that evaluation
    set_dependencies(with_field(world.deps, clock=lambda: NOW + timedelta(hours=2)))
    run(_publish_event(12, NOW + timedelta(hours=1), "later"))
    # Then it is evaluated, not dropped as stale
    assert len(world.service.calls) == 2
    # while a redelivery of something older than the last evaluation is still skipped cheaply
    run(_publish_event(11, NOW - timedelta(hours=1), "older"))
    assert len(world.service.calls) == 2


# ------------------------------------- forward-compatible events (issue 16): dropped, not retried


@pytest.mark.parametrize(
    ("field", "value"),
    [("packageFormat", "conan"), ("packageVersionState", "Quarantined"), ("operationType", "Moved")],
)
def test_an_event_of_a_kind_this_release_does_not_know_is_dropped_not_retried(
    world: World, capsys: pytest.CaptureFixture[str], field: str, value: str
) -> None:
    body = event("npm-publish.json")
    body["detail"][field] = value
    response = run(body, event("npm-publish.json", 0) | {"id": "other"})
    # Then it succeeds (no DLQ, no page), is counted, and costs no evaluation; the good one runs
    assert failed_ids(response) == []
    assert len(world.service.calls) == 1
    assert metric_totals(output_lines(capsys))["EventsIgnored"] == 1


def test_a_malformed_event_of_a_known_kind_still_fails_alone(world: World) -> None:
    body = event("npm-publish.json")
    body["detail"]["packageVersionState"] = None  # a Created event must carry its state
    assert failed_ids(run(body)) == ["m0"]
