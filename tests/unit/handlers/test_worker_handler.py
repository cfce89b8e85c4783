"""The worker handler with fakes: parsing, grouping, dedupe, ordering, failures, pages, metrics."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from ca_lifecycle.facts import Action, PackageRef, Restriction
from ca_lifecycle.handlers import worker
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
        "1.0.0": "done",
        "1.1.0": "skipped: MISMATCHED_STATUS current status: Unlisted",
        "0.9.0": "failed: NOT_ALLOWED nope",
    }
    world.service.origin_outcome = "done"
    run(event("npm-publish.json"))
    totals = metric_totals(output_lines(capsys))
    assert totals == {
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
    assert world.service.calls == []  # pages list; packages are evaluated when their items arrive


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
