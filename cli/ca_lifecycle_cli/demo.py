"""The ``ca-lifecycle demo`` scenario: the deployed data flow, on one machine, offline.

    emulator (CodeArtifact) --events--> moto EventBridge rule --> moto SQS --> worker handler
    sweep handler --repository pages--> moto SQS --> worker --package items--> SQS --> worker

Everything between the boxes is the production code: the sweep and worker Lambda handlers
(``ca_lifecycle.handlers``), the service, the engine, the gateway and the ledger (local file).
Only the edges are local: the emulator stands in for CodeArtifact, moto for EventBridge and
SQS, and this module plays the Lambda event-source mapping (receive, invoke, delete).

Time is one injectable clock shared by the emulator (publish and event times) and the
handlers' dependencies (``Dependencies.clock``), so stage 3 can jump 61 days ahead.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ca_lifecycle.app.outcomes import OutcomeKind
from ca_lifecycle.app.package import PackageResult, process_package
from ca_lifecycle.facts import Action, OriginConfig, PackageRef, Status
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from ca_emulator import Emulator
    from ca_lifecycle.gateway import Gateway
    from ca_lifecycle.ledger import Ledger
    from ca_lifecycle.policy import PolicyDocument
    from mypy_boto3_events.type_defs import InputTransformerTypeDef
    from mypy_boto3_sqs.type_defs import DeleteMessageBatchRequestEntryTypeDef

ACCOUNT = "111122223333"
REGION = "us-east-1"
DOMAIN = "acme"
REPOSITORY = "release"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DISPOSE_JUMP = timedelta(days=61)  # past the libraries policy's archived_for: 60d
EVENT_PATTERN = {"source": ["aws.codeartifact"], "detail-type": ["CodeArtifact Package Version State Change"]}
# moto's SQS target drops the envelope's "account" field that EventBridge delivers; this
# transformer rebuilds the exact envelope AWS sends, so the worker parses what it will in AWS.
_ENVELOPE_FIELDS = ("id", "detail-type", "source", "account", "time", "region", "resources", "detail")
FULL_ENVELOPE: InputTransformerTypeDef = {
    "InputPathsMap": {name: f"$.{name}" for name in _ENVELOPE_FIELDS},
    "InputTemplate": '{"version": "0", "id": "<id>", "detail-type": "<detail-type>", "source": "<source>", '
    '"account": "<account>", "time": "<time>", "region": "<region>", "resources": <resources>, '
    '"detail": <detail>}',
}
MAX_RECEIVE = 3  # deliveries before a message counts as dead-lettered (the stack's DLQ setting)

DEMO_POLICY: dict[str, Any] = {
    "version": 1,
    "mode": "enforce",
    "policies": [
        {
            "id": "libraries",
            "scope": {"domain": DOMAIN, "repositories": [REPOSITORY], "packages": ["/*"]},
            "protect": [
                {"newest": 10},
                {"newest": 1, "per": "major", "prerelease": False},
                {"published_within": "30d"},
            ],
            "archive": [
                {"beyond_newest": 40},
                {"published_before": "365d"},
                {"prerelease": True, "published_before": "30d"},
            ],
            "dispose": {"archived_for": "60d"},
            "origin_lock": "auto",
        },
        {
            "id": "build-tools",
            "scope": {
                "domain": DOMAIN,
                "repositories": [REPOSITORY],
                "packages": ["/generic/acme/build-tools$"],
            },
            "ordering": "published",
            "protect": [{"newest": 5}],
            "archive": [{"beyond_newest": 15}],
            "dispose": {"archived_for": "30d"},
            "origin_lock": "off",
        },
    ],
    "guardrails": {"keep_at_least": 3, "max_archive_fraction": 0.8},
}


class DemoClock:
    """The one clock of the demo: emulator publish/event times and the handlers' ``now``."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass(frozen=True)
class LambdaContext:
    """The attributes of a Lambda context object that Powertools reads."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"

    @classmethod
    def for_function(cls, name: str) -> LambdaContext:
        return cls(name, f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}")

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


# ------------------------------------------------------------------------------------- seeding


@dataclass(frozen=True)
class SeedPackage:
    ref: PackageRef
    versions: list[str]  # oldest first
    every: timedelta  # between publishes; the newest is published `newest_age` before START
    newest_age: timedelta
    origin: str = "INTERNAL"
    restrictions: tuple[str, str] | None = None  # (publish, upstream); None = CodeArtifact's default


def _ref(fmt: str, namespace: str | None, name: str) -> PackageRef:
    return PackageRef(DOMAIN, REPOSITORY, fmt, namespace, name, ACCOUNT)


def _npm_widgets() -> list[str]:
    versions: list[str] = []
    for major, minors in ((1, 6), (2, 5)):
        for minor in range(minors):
            if (major, minor) in ((2, 2), (2, 4)):
                versions += [f"{major}.{minor}.0-rc.{n}" for n in (1, 2, 3)]
            versions += [f"{major}.{minor}.{patch}" for patch in range(12)]
    return versions + [f"3.0.0-beta.{n}" for n in range(1, 6)]


def _pypi_utils() -> list[str]:
    versions = [f"0.{minor}.{patch}" for minor in range(1, 9) for patch in range(6)]
    versions += ["1.0.0a1", "1.0.0a2", "1.0.0b1", "1.0.0rc1"]
    return versions + [f"1.{minor}.{patch}" for minor in range(4) for patch in range(7)]


def _maven_core() -> list[str]:
    versions = [f"1.{minor}" for minor in range(10)] + [f"1.9.{patch}" for patch in range(1, 8)]
    versions += ["2.0-alpha-1", "2.0-beta-1", "2.0-RC1", "2.0-RC2"]
    return versions + [f"2.{minor}.{patch}" for minor in range(6) for patch in range(6)]


def seed_packages() -> list[SeedPackage]:
    return [
        SeedPackage(_ref("npm", "acme", "widgets"), _npm_widgets(), timedelta(days=3), timedelta(days=2)),
        SeedPackage(_ref("pypi", None, "acme-utils"), _pypi_utils(), timedelta(days=5), timedelta(days=4)),
        SeedPackage(_ref("maven", "com.acme", "core"), _maven_core(), timedelta(days=6), timedelta(days=9)),
        SeedPackage(
            _ref("generic", "acme", "build-tools"),
            [f"2026.{n:04d}" for n in range(1, 61)],
            timedelta(days=1),
            timedelta(hours=6),
        ),
        SeedPackage(
            _ref("npm", "acme", "legacy-sdk"),
            [f"0.{minor}.{patch}" for minor in range(1, 6) for patch in range(5)],
            timedelta(days=15),
            timedelta(days=500),
            restrictions=("ALLOW", "ALLOW"),  # from before origin controls existed
        ),
        SeedPackage(
            _ref("npm", None, "left-pad"),
            [f"1.{minor}.{patch}" for minor in range(4) for patch in range(3)],
            timedelta(days=60),
            timedelta(days=90),
            origin="EXTERNAL",
        ),
    ]


def seed(emulator: Emulator, packages: Iterable[SeedPackage]) -> int:
    """Load every package into the emulator (no events: the history predates the demo)."""
    total = 0
    for package in packages:
        ref, count = package.ref, len(package.versions)
        newest = START - package.newest_age
        times = [newest - package.every * (count - 1 - i) for i in range(count)]
        emulator.add_versions(
            ref.domain,
            ref.repository,
            ref.format,
            ref.namespace,
            ref.name,
            zip(package.versions, times, strict=True),
            origin=package.origin,
        )
        if package.restrictions is not None:
            publish, upstream = package.restrictions
            emulator.set_origin_configuration(
                ref.domain, ref.repository, ref.format, ref.namespace, ref.name, publish, upstream
            )
        total += count
    return total


# ------------------------------------------------------------------------------------ pipeline


class RecordingProcessPackage:
    """``process_package`` as the handlers call it, keeping every result for the report."""

    def __init__(self) -> None:
        self.results: list[PackageResult] = []

    def __call__(
        self,
        package: PackageRef,
        *,
        document: PolicyDocument,
        gateway: Gateway,
        ledger: Ledger,
        now: datetime,
        apply: bool,
        known_published: Mapping[str, datetime] = {},
        sequence: int | None = None,
        known_origin: OriginConfig | None = None,
    ) -> PackageResult:
        result = process_package(
            package,
            document=document,
            gateway=gateway,
            ledger=ledger,
            now=now,
            apply=apply,
            known_published=known_published,
            sequence=sequence,
            known_origin=known_origin,
        )
        self.results.append(result)
        return result


@dataclass
class StageRun:
    results: list[PackageResult] = field(default_factory=list)
    metrics: Counter[str] = field(default_factory=Counter)
    invocations: int = 0
    messages: int = 0
    dead_letters: list[str] = field(default_factory=list)


class Pipeline:
    """moto EventBridge rule → SQS, the emulator, and the two handlers wired as deployed."""

    def __init__(self, workdir: Path, clock: DemoClock) -> None:
        import boto3
        from botocore.config import Config
        from ca_emulator import Emulator
        from ca_lifecycle.app.dependencies import Dependencies
        from ca_lifecycle.gateway import RETRY_CONFIG, CodeArtifactGateway
        from ca_lifecycle.ledger import LocalLedger
        from ca_lifecycle.policy import parse_policy
        from ca_lifecycle.queue import WorkQueue

        self.clock = clock
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.queue_url = self.sqs.create_queue(QueueName="ca-lifecycle-work")["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        events = boto3.client("events", region_name=REGION)
        events.put_rule(Name="codeartifact-package-versions", EventPattern=json.dumps(EVENT_PATTERN))
        events.put_targets(
            Rule="codeartifact-package-versions",
            Targets=[{"Id": "work", "Arn": queue_arn, "InputTransformer": FULL_ENVELOPE}],
        )

        self.emulator = Emulator(account=ACCOUNT, region=REGION, event_sink=events, clock=clock)
        endpoint = self.emulator.start()
        client = boto3.client(
            "codeartifact",
            endpoint_url=endpoint,
            region_name=REGION,
            config=RETRY_CONFIG.merge(Config(connect_timeout=2, read_timeout=10)),
        )
        self.gateway = CodeArtifactGateway(client)
        self.ledger = LocalLedger(workdir / "ledger.json")
        self.document = parse_policy(DEMO_POLICY)
        self.recorder = RecordingProcessPackage()
        self.dependencies = Dependencies(
            document=self.document,
            gateway=self.gateway,
            ledger=self.ledger,
            queue=WorkQueue(self.queue_url, self.sqs),
            process_package=self.recorder,
            clock=clock,
        )
        self._receives: Counter[str] = Counter()
        self.packages: list[PackageRef] = [package.ref for package in seed_packages()]

    def close(self) -> None:
        self.emulator.stop()

    @contextlib.contextmanager
    def stage(self) -> Iterator[StageRun]:
        """Collect what the handlers do during one stage (results, metrics, dead letters)."""
        from ca_lifecycle import handlers

        run = StageRun()
        self._run = run
        first = len(self.recorder.results)
        handlers.set_dependencies(self.dependencies)
        try:
            yield run
        finally:
            handlers.set_dependencies(None)
            run.results = self.recorder.results[first:]

    def sweep(self) -> None:
        """Invoke the sweep handler as EventBridge Scheduler would, then let the worker drain."""
        from ca_lifecycle.handlers import sweep

        with self._capture_metrics():
            sweep.handler({"kind": "sweep"}, LambdaContext.for_function("ca-lifecycle-sweep"))
        self.drain()

    def publish(self, ref: PackageRef, version: str) -> None:
        """A developer publishes: the emulator emits the event to EventBridge (→ rule → SQS)."""
        if ref not in self.packages:
            self.packages.append(ref)
        self.emulator.add_version(
            ref.domain,
            ref.repository,
            ref.format,
            ref.namespace,
            ref.name,
            version,
            published=self.clock(),
            emit_event=True,
        )

    def drain(self) -> None:
        """Play the SQS event source mapping: batches of 10 to the worker until the queue is empty."""
        from ca_lifecycle.handlers import worker

        context = LambdaContext.for_function("ca-lifecycle-worker")
        while True:
            messages = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0
            ).get("Messages", [])
            if not messages:
                return
            self._run.invocations += 1
            self._run.messages += len(messages)
            event = {"Records": [self._record(m) for m in messages]}
            with self._capture_metrics():
                response = worker.handler(event, context)
            failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
            done = []
            for message in messages:
                message_id = message["MessageId"]
                self._receives[message_id] += 1
                if message_id not in failed:
                    done.append(message)
                elif self._receives[message_id] >= MAX_RECEIVE:
                    self._run.dead_letters.append(message["Body"][:200])
                    done.append(message)
            for start in range(0, len(done), 10):
                entries: list[DeleteMessageBatchRequestEntryTypeDef] = [
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(done[start : start + 10])
                ]
                self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)

    def _record(self, message: Mapping[str, Any]) -> dict[str, Any]:
        now_ms = str(int(time.time() * 1000))
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {
                "ApproximateReceiveCount": str(self._receives[message["MessageId"]] + 1),
                "SentTimestamp": now_ms,
                "SenderId": ACCOUNT,
                "ApproximateFirstReceiveTimestamp": now_ms,
            },
            "messageAttributes": {},
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:ca-lifecycle-work",
            "awsRegion": REGION,
        }

    @contextlib.contextmanager
    def _capture_metrics(self) -> Iterator[None]:
        """The handlers flush CloudWatch EMF to stdout; sum the counts instead of printing them."""
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            yield
        for line in buffer.getvalue().splitlines():
            try:
                blob = json.loads(line)
            except ValueError:
                print(line)  # not EMF: let it through
                continue
            directives = blob.get("_aws", {}).get("CloudWatchMetrics", []) if isinstance(blob, dict) else []
            if not directives:
                print(line)
                continue
            for directive in directives:
                for metric in directive.get("Metrics", []):
                    value = blob.get(metric["Name"], 0)
                    self._run.metrics[metric["Name"]] += int(sum(value) if isinstance(value, list) else value)

    def inventory(self) -> list[tuple[PackageRef, Counter[Status], str]]:
        """Per package: versions by status and the origin configuration, read back from the emulator."""
        rows = []
        for ref in self.packages:
            statuses = Counter(fact.status for fact in self.gateway.list_versions(ref))
            origin = self.gateway.describe_origin(ref)
            shown = "-" if origin is None else f"{origin.publish.value}/{origin.upstream.value}"
            rows.append((ref, statuses, shown))
        return rows


# ------------------------------------------------------------------------------------ report

_DETAIL = re.compile(r"\s*\([^)]*\)")


def _reason_key(reason: str) -> str:
    """The reason without per-version detail (rank, dates, how the age was known), for grouping."""
    return _DETAIL.sub("", reason).strip()


def _name(ref: PackageRef) -> str:
    namespace = f"{ref.namespace}/" if ref.namespace else ""
    return f"{ref.format}/{namespace}{ref.name}"


def _versions_text(versions: list[str]) -> str:
    if len(versions) <= 3:
        return ", ".join(versions)
    return f"{versions[0]}, {versions[1]} … {versions[-1]}  ({len(versions)})"


@dataclass
class _Row:
    package: str
    action: str
    reason: str
    outcome: str
    versions: list[str] = field(default_factory=list)


def _rows(results: list[PackageResult]) -> list[_Row]:
    """One row per run of versions with the same package, action, reason and outcome."""
    rows: list[_Row] = []
    seen: set[tuple[str, str, str]] = set()
    for result in results:
        name = _name(result.package)
        for decision in result.evaluation.decisions:
            if decision.action not in (Action.ARCHIVE, Action.DISPOSE, Action.SKIP):
                continue
            key = (name, decision.version, decision.action.value)
            if key in seen:
                continue  # re-evaluations (our own events) repeat skips: show them once
            seen.add(key)
            known = result.outcomes.get(decision.version)
            outcome = str(known) if known else ("-" if decision.action is Action.SKIP else "planned")
            reason = _reason_key(decision.reason)
            last = rows[-1] if rows else None
            if last and (last.package, last.action, last.reason, last.outcome) == (
                name,
                decision.action.value,
                reason,
                outcome,
            ):
                last.versions.append(decision.version)
            else:
                rows.append(_Row(name, decision.action.value, reason, outcome, [decision.version]))
        origin = result.origin_outcome
        if origin is not None and origin.kind in (OutcomeKind.DONE, OutcomeKind.PLANNED, OutcomeKind.FAILED):
            current, target = result.current_origin, result.evaluation.origin_target
            before = "none" if current is None else f"{current.publish.value}/{current.upstream.value}"
            after = "-" if target is None else f"{target.publish.value}/{target.upstream.value}"
            why = result.evaluation.origin_reason or "origin_lock: auto"
            rows.append(_Row(name, "origin lock", f"{before} → {after}: {why}", str(origin)))
    return rows


_ACTION_STYLE = {"archive": "yellow", "dispose": "red", "skip": "dim", "origin lock": "cyan"}


def _decision_table(title: str, rows: list[_Row]) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False, expand=False)
    table.add_column("package", no_wrap=True)
    table.add_column("version(s)")
    table.add_column("action", no_wrap=True)
    table.add_column("why")
    table.add_column("outcome", no_wrap=True)
    for row in rows:
        style = _ACTION_STYLE.get(row.action, "")
        versions = _versions_text(row.versions) if row.versions else "-"
        table.add_row(row.package, versions, f"[{style}]{row.action}[/]", row.reason, row.outcome)
    return table


def _summary(run: StageRun) -> tuple[dict[str, Counter[str]], list[str]]:
    done: dict[str, Counter[str]] = {"archived": Counter(), "disposed": Counter(), "skipped": Counter()}
    locked: list[str] = []
    for row in _rows(run.results):
        if row.action == "origin lock" and row.outcome == OutcomeKind.DONE.value:
            locked.append(f"{row.package} ({row.reason})")
        elif row.action == "archive" and row.outcome == OutcomeKind.DONE.value:
            done["archived"][row.reason] += len(row.versions)
        elif row.action == "dispose" and row.outcome == OutcomeKind.DONE.value:
            done["disposed"][row.reason] += len(row.versions)
        elif row.action == "skip" or row.outcome.startswith(("skipped", "failed")):
            done["skipped"][f"{row.action}: {row.reason} [{row.outcome}]"] += len(row.versions)
    return done, locked


def _print_stage(console: Console, number: int, title: str, run: StageRun, pipeline: Pipeline) -> None:
    rows = _rows(run.results)
    if rows:
        console.print(_decision_table(f"Stage {number} decisions", rows))
    else:
        console.print("  (no actions)")
    done, locked = _summary(run)
    packages = {r.package for r in run.results}
    console.print(
        f"[bold]Stage {number} summary[/] — {title}: "
        f"{len(run.results)} evaluations of {len(packages)} packages from {run.messages} queue messages "
        f"in {run.invocations} worker invocations"
    )
    for label, counter in done.items():
        total = sum(counter.values())
        console.print(f"  {label}: {total}")
        for reason, count in counter.most_common():
            console.print(f"      {count:4d} x {reason}")
    console.print(f"  origins locked: {len(locked)}")
    for line in locked:
        console.print(f"      {line}")
    metrics = ", ".join(f"{name}={value}" for name, value in sorted(run.metrics.items()) if value)
    console.print(f"  worker metrics (EMF): {metrics or 'none'}")
    if run.dead_letters:
        console.print(f"  [red]dead-lettered messages: {len(run.dead_letters)}[/]")
    table = Table(title=f"Repository state after stage {number}", title_justify="left")
    table.add_column("package", no_wrap=True)
    for status in (Status.PUBLISHED, Status.UNLISTED, Status.ARCHIVED, Status.DISPOSED):
        table.add_column(status.value, justify="right")
    table.add_column("origin publish/upstream", no_wrap=True)
    for ref, statuses, origin in pipeline.inventory():
        counts = [
            str(statuses.get(s, 0))
            for s in (Status.PUBLISHED, Status.UNLISTED, Status.ARCHIVED, Status.DISPOSED)
        ]
        table.add_row(_name(ref), *counts, origin)
    console.print(table)
    console.print()


# --------------------------------------------------------------------------------------- main


def run_demo(keep: str | None = None, console: Console | None = None) -> int:
    """Run the three stages; exit 1 if any action failed or a message was dead-lettered."""
    from ca_lifecycle.observability import logger
    from moto import mock_aws

    # A pipe gets 80 columns by default: too narrow for the reasons column.
    console = console or Console(width=None if os.isatty(1) else 120)
    started = time.monotonic()
    # The handlers log JSON at INFO for CloudWatch; here the tables tell the story.
    logger.setLevel("WARNING")
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    os.environ["MOTO_ACCOUNT_ID"] = ACCOUNT  # moto's resources (and event envelopes) in the demo account
    clock = DemoClock(START)
    problems = 0
    with contextlib.ExitStack() as stack:
        workdir = Path(keep) if keep else Path(stack.enter_context(tempfile.TemporaryDirectory()))
        workdir.mkdir(parents=True, exist_ok=True)
        stack.enter_context(mock_aws())
        pipeline = Pipeline(workdir, clock)
        stack.callback(pipeline.close)
        total = seed(pipeline.emulator, seed_packages())
        console.rule("[bold]codeartifact-lifecycle demo")
        console.print(
            f"Domain [bold]{DOMAIN}[/], repository [bold]{REPOSITORY}[/]: {total} versions in "
            f"{len(seed_packages())} packages (npm, pypi, maven, generic; prereleases; "
            "npm/acme/legacy-sdk is ALLOW/ALLOW). Policy mode: enforce; policies: libraries "
            "(protect newest 10, newest per major, 30d; archive beyond newest 40, older than 365d, "
            "prereleases older than 30d; dispose 60d after archiving; origin_lock auto) and "
            "build-tools (by publish time: keep 15; dispose after 30d)."
        )
        console.print(f"Ledger: {workdir / 'ledger.json'}   Clock: {clock().isoformat()}")
        console.print()

        console.rule("Stage 1: sweep — archive old versions, origin lock")
        with pipeline.stage() as run:
            pipeline.sweep()
        _print_stage(console, 1, "sweep: archive and origin lock", run, pipeline)
        problems += len(run.dead_letters) + sum(len(r.failed) for r in run.results)

        clock.advance(timedelta(days=1))
        console.rule("Stage 2: publish new versions — events flow to the worker")
        gadgets = _ref("npm", "acme", "gadgets")
        # A package created through a path that left it ALLOW/ALLOW: its first event locks it.
        pipeline.emulator.set_origin_configuration(
            DOMAIN, REPOSITORY, "npm", "acme", "gadgets", publish="ALLOW", upstream="ALLOW"
        )
        published = [
            (_ref("npm", "acme", "widgets"), "3.0.0"),
            (_ref("npm", "acme", "widgets"), "3.0.1"),
            (_ref("npm", "acme", "widgets"), "3.1.0"),
            (_ref("npm", "acme", "widgets"), "3.1.1"),
            (_ref("maven", "com.acme", "core"), "2.6.0"),
            (gadgets, "0.1.0"),
        ]
        console.print(
            f"Clock: {clock().isoformat()}. Published: "
            + ", ".join(f"{_name(ref)} {version}" for ref, version in published)
        )
        with pipeline.stage() as run:
            for ref, version in published:
                pipeline.publish(ref, version)
            pipeline.drain()
        _print_stage(console, 2, "events: archive what the new versions push out", run, pipeline)
        problems += len(run.dead_letters) + sum(len(r.failed) for r in run.results)

        clock.advance(DISPOSE_JUMP)
        console.rule(f"Stage 3: clock +{DISPOSE_JUMP.days} days, sweep — dispose long-archived versions")
        console.print(
            f"Clock: {clock().isoformat()}, {DISPOSE_JUMP.days} days after stage 2: past archived_for "
            "(libraries 60d, build-tools 30d) for every version archived in stages 1 and 2"
        )
        with pipeline.stage() as run:
            pipeline.sweep()
        _print_stage(console, 3, "sweep after archived_for: dispose", run, pipeline)
        problems += len(run.dead_letters) + sum(len(r.failed) for r in run.results)

    elapsed = time.monotonic() - started
    verdict = "[green]demo complete[/]" if not problems else f"[red]demo finished with {problems} problems[/]"
    console.print(f"{verdict} in {elapsed:.1f} s")
    return 0 if not problems else 1


__all__ = ["DemoClock", "Pipeline", "run_demo", "seed_packages"]
