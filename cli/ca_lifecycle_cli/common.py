"""What ``plan``, ``apply`` and ``explain`` share: flags, the clock, the ledger, package
enumeration, error-to-exit-code mapping and rendering.

Decisions are never made here: every package goes through ``ca_lifecycle.app.package.process_package``
(the code path of the Lambda worker), and the JSON rows come from ``PackageResult``'s own
serializers. This module only chooses which packages to evaluate and how to show the results.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from ca_lifecycle.app.package import PackageResult, PlannedWrite
    from ca_lifecycle.app.scope import Target
    from ca_lifecycle.facts import PackageRef
    from ca_lifecycle.gateway import CodeArtifactGateway
    from ca_lifecycle.ledger import Ledger
    from ca_lifecycle.policy import PolicyDocument
    from rich.console import Console
    from rich.progress import Progress

    from ca_lifecycle_cli.saved_plan import SavedPlan

EXIT_OK = 0
EXIT_ACTIONS_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_AWS = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader (e.g. `| head`) went away

EXIT_CODES_EPILOG = """\
exit codes:
  0    success
  1    apply: at least one intended action (archive, dispose, origin lock) did not succeed
  2    bad input: invalid policy (each error with its field path), flag, argument or ledger file
  3    AWS error: no credentials, no such domain/repository/package, access denied (names
       the missing IAM action), throttled beyond retries, endpoint unreachable
  130  interrupted (Ctrl-C)
  141  stdout closed early (e.g. `| head`): output stops quietly
Every error is one line on stderr starting with "error:" (an invalid policy: one per field).

AWS access uses the normal boto3 chain (AWS_PROFILE, AWS_ACCESS_KEY_ID…, AWS_REGION or
AWS_DEFAULT_REGION); AWS_ENDPOINT_URL_CODEARTIFACT points it at another endpoint (the
emulator), and AWS_MAX_ATTEMPTS overrides the 8 attempts per call."""

LEDGER_HELP = """\
ledger (when each version was archived, cached publish times, holds, write intents):
  --ledger PATH        a local JSON file, updated by every run (created, with a notice on
                       stderr, when missing; its folder must exist); two processes may
                       share it: each operation takes PATH.lock
  --ledger-table NAME  the deployed DynamoDB table (what the Lambda functions use); a
                       policy without domain_owner then means the caller's account
                       (sts:GetCallerIdentity), so keys match the worker's
  neither              plan/explain use a temporary file discarded at exit: Archived
                       versions then count as first seen now, so nothing is disposable

clock: every time written to a ledger is the real time of the run. plan and explain with
--now (a what-if clock) read the ledger and write nothing to it; apply refuses a --now
that is not now unless --simulated-clock says the ledger is a rehearsal ledger."""

# A --now this close to the wall clock is "now" typed by hand, not a what-if.
NOW_TOLERANCE = timedelta(minutes=5)

NOW_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
NOW_LATEST = datetime(9000, 1, 1, tzinfo=UTC)
NO_REGION = "no AWS region configured: set AWS_REGION (or AWS_DEFAULT_REGION, or region in the profile)"
WIDTH = 80  # human output stays readable in an 80-column terminal and in a pasted log
DEFAULT_ATTEMPTS = 8  # the gateway's own default (adaptive retries)


class CliError(Exception):
    """A failure the user can act on: one line on stderr and an exit code, never a traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


# ----------------------------------------------------------------------------------- flags


def add_scan_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of plan and apply (and, except --repository, explain)."""
    parser.add_argument("--policy", required=True, metavar="FILE", help="policy file (.yaml, .yml or .json)")
    add_common_arguments(parser)


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--now",
        metavar="ISO-8601",
        help="pin the clock, e.g. 2025-06-01T00:00:00Z (a time zone is required); default: now",
    )
    ledger = parser.add_mutually_exclusive_group()
    ledger.add_argument("--ledger", metavar="PATH", type=Path, help="local JSON ledger file")
    ledger.add_argument("--ledger-table", metavar="NAME", help="DynamoDB ledger table")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON document on stdout and nothing else"
    )
    parser.add_argument(
        "--sizes",
        action="store_true",
        help="also sum the asset sizes of every version to dispose: the bytes that would stop "
        "being billed (bytes_to_free). Costs one ListPackageVersionAssets call (paged) per "
        "disposed version, and the permission codeartifact:ListPackageVersionAssets",
    )
    parser.add_argument(
        "--price-per-gb-month",
        type=float,
        default=None,
        metavar="USD",
        help="storage price for the --sizes cost estimate (default 0.05, CodeArtifact us-east-1)",
    )


def parse_now(text: str | None) -> datetime:
    """``--now``: ISO-8601 with an explicit zone (``Z`` or ``+hh:mm``); naive times are refused.

    A naive time would silently mean UTC here and local time to the person who typed it: an
    off-by-hours clock moves age cut-offs, so it is bad input, not a guess.
    """
    if text is None:
        return datetime.now(UTC)
    raw = text.strip()
    try:
        moment = datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw)
    except ValueError:
        raise CliError(f"--now: not an ISO-8601 time: {text!r} (e.g. 2025-06-01T00:00:00Z)") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        # A bare date parses as midnight: suggest the full form, which is what Z needs to follow.
        example = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        raise CliError(f"--now: {text!r} has no time zone: add Z for UTC (e.g. {example}) or an offset")
    if not NOW_EARLIEST <= moment < NOW_LATEST:
        # Age arithmetic (now - published_before, up to 100 years) overflows near year 1 or 9999.
        raise CliError(f"--now: {text!r} is out of range: use a time from 1970 to 8999")
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Clock:
    """The decision time of a run and whether the ledger may record observations."""

    now: datetime
    read_only: bool  # a what-if preview: the ledger is read, never written


def preview_clock(args: argparse.Namespace) -> Clock:
    """plan/explain: ``--now`` is a what-if; the ledger it reads is not written."""
    return Clock(parse_now(args.now), read_only=args.now is not None)


def apply_clock(args: argparse.Namespace) -> Clock:
    """apply records what it does at the time it does it: a --now that is not now would put
    archives in the past (disposable at once) or the future, so it needs --simulated-clock."""
    now = parse_now(args.now)
    simulated = bool(getattr(args, "simulated_clock", False))
    if args.now is not None and not simulated and abs(now - datetime.now(UTC)) > NOW_TOLERANCE:
        raise CliError(
            f"--now {args.now} is not now: apply records its archives at the time it makes them; "
            "use plan --now for a what-if, or add --simulated-clock to rehearse time on a ledger "
            "kept for that purpose"
        )
    return Clock(now, read_only=False)


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def load_document(path: str) -> PolicyDocument:
    from ca_lifecycle.policy import load_policy

    return load_policy(path)  # PolicyError is reported by `guarded`, one line per field


# ------------------------------------------------------------------------------- AWS edges


def make_gateway(*, sizes: bool = False) -> CodeArtifactGateway:
    """The pipeline's gateway on a client honouring ``AWS_MAX_ATTEMPTS`` (the standard variable).

    The gateway's own client pins 8 attempts, which is right for the Lambda; a person at a
    terminal (or a test) may want a refused connection or throttling reported sooner.
    ``sizes``: one that also reads asset sizes, before any dispose deletes them (``--sizes``).
    """
    from ca_lifecycle.gateway import CodeArtifactGateway

    require_region()
    gateway_type: type[CodeArtifactGateway] = CodeArtifactGateway
    if sizes:
        from ca_lifecycle_cli.sizes import SizingGateway

        gateway_type = SizingGateway
    raw = os.environ.get("AWS_MAX_ATTEMPTS")
    if raw is None:
        return gateway_type()
    try:
        attempts = int(raw)
    except ValueError:
        raise CliError(f"AWS_MAX_ATTEMPTS: not a whole number: {raw!r}") from None
    if attempts < 1:
        raise CliError(f"AWS_MAX_ATTEMPTS: must be at least 1, got {attempts}")
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "codeartifact", config=Config(retries={"mode": "adaptive", "total_max_attempts": attempts})
    )
    return gateway_type(client)


def require_region() -> None:
    """Refuse to start without a region, with the same line whichever client would notice first.

    Otherwise the message depends on the path: the CodeArtifact client, a DynamoDB client
    created mid-scan, or STS falling back to its global endpoint (and failing elsewhere).
    """
    import boto3

    if not boto3.session.Session().region_name:
        raise CliError(NO_REGION, EXIT_AWS)


@contextlib.contextmanager
def open_ledger(args: argparse.Namespace, *, required_for: str | None = None) -> Iterator[Ledger]:
    """The ledger named by ``--ledger``/``--ledger-table``, else a temporary file.

    ``required_for``: refuse to run without a persistent ledger, naming why (apply in enforce
    mode: an archive time not recorded is a disposal delayed by a whole ``archived_for``).
    """
    from botocore.exceptions import ClientError
    from ca_lifecycle.ledger import DynamoDBLedger, LocalLedger

    if args.ledger_table:
        try:
            yield DynamoDBLedger(args.ledger_table)
        except ClientError as exc:
            # DynamoDB says only "Requested resource not found": name the table and the region.
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
            import boto3

            region = boto3.session.Session().region_name
            where = f" in {region}" if region else ""
            raise CliError(
                f"--ledger-table: no DynamoDB table {args.ledger_table!r}{where} "
                "(the stack's LedgerTableName output names it)",
                EXIT_AWS,
            ) from exc
        return
    if args.ledger is not None:
        if args.ledger.is_dir():
            raise CliError(f"--ledger: {args.ledger} is a directory, expected a JSON file")
        if args.ledger.parent.exists() and not args.ledger.parent.is_dir():
            raise CliError(f"--ledger: cannot use {args.ledger}: {args.ledger.parent} is not a folder")
        if not args.ledger.exists() and not args.ledger.parent.is_dir():
            # A mistyped path must not silently start a new ledger (every clock restarts).
            raise CliError(
                f"--ledger: folder {args.ledger.parent} does not exist: nothing was created "
                "(create it first to start a new ledger there)"
            )
        try:
            yield LocalLedger(args.ledger, on_create=_announce_new_ledger)
        except OSError as exc:
            # The ledger is read and rewritten mid-scan: say which file, not only the errno.
            if exc.filename is None or not _within(Path(exc.filename), args.ledger.parent):
                raise
            raise CliError(f"--ledger: cannot use {args.ledger}: {exc.strerror or exc}") from exc
        return
    if required_for is not None:
        raise CliError(f"{required_for} needs a ledger: pass --ledger PATH or --ledger-table NAME")
    with tempfile.TemporaryDirectory(prefix="ca-lifecycle-") as folder:
        yield LocalLedger(Path(folder) / "ledger.json")


def _announce_new_ledger(path: Path) -> None:
    print(
        f"ledger: {path} did not exist: started a new ledger there "
        "(versions already Archived count as first seen now)",
        file=sys.stderr,
    )


def _within(path: Path, folder: Path) -> bool:
    """``path`` is ``folder`` or below it (the ledger file, its temporary twin, its folder)."""
    resolved, base = path.resolve(), folder.resolve()
    return resolved == base or base in resolved.parents


def ledger_label(args: argparse.Namespace) -> str:
    """Which ledger a run used, for the plan header: disposal depends on it."""
    if args.ledger_table:
        return f"DynamoDB table {args.ledger_table}"
    if args.ledger is not None:
        return f"file {args.ledger}"
    return "temporary, discarded at exit (nothing is disposable: see --ledger)"


def policy_owner(document: PolicyDocument, domain: str) -> str | None:
    """The owner the policy names for ``domain``, so ledger keys match plan/apply's."""
    return next((p.scope.domain_owner for p in document.policies if p.scope.domain == domain), None)


def default_owner(args: argparse.Namespace) -> str | None:
    """The domain owner assumed where a policy names none: the caller's account with the
    DynamoDB ledger, so ledger keys equal those the deployed worker writes (events carry the
    owner, the sweep uses the function's account); None (key ``-``) with a local ledger file.
    """
    if not args.ledger_table:
        return None
    import boto3

    # botocore's errors (no credentials, access denied…) are mapped by `error_message`.
    return str(boto3.client("sts").get_caller_identity()["Account"])


# ------------------------------------------------------------------------------- scanning


def repository_targets(
    document: PolicyDocument,
    gateway: CodeArtifactGateway,
    wanted: Sequence[str] = (),
    default_owner: str | None = None,
) -> list[Target]:
    """Repositories in scope of any policy (the sweep's walk), narrowed to ``--repository``."""
    from ca_lifecycle.app.scope import repository_targets as walk_scope

    walk = walk_scope(document, gateway, default_owner)
    for domain, exc in walk.errors.items():
        raise _domain_error(document, domain, exc)
    targets = [t for t in walk.targets if not wanted or t.repository in wanted]
    domains = ", ".join(sorted({domain for domain, _ in walk.listed}))
    existing = {name for names in walk.listed.values() for name in names}
    for name in wanted:
        if name not in existing:
            raise CliError(f"no such repository {name!r} in domain {domains}", EXIT_AWS)
        if not any(target.repository == name for target in targets):
            raise CliError(f"repository {name!r} is not in the scope of any policy")
    return targets


def _domain_error(document: PolicyDocument, domain: str, exc: Exception) -> Exception:
    from ca_lifecycle.gateway import NotFound

    if not isinstance(exc, NotFound):
        return exc
    owners = {p.scope.domain_owner for p in document.policies if p.scope.domain == domain} - {None}
    owner = f" (owner {', '.join(sorted(o for o in owners if o))})" if owners else ""
    return CliError(f"no such domain {domain!r}{owner}: {exc.message}", EXIT_AWS)


def scoped_packages(
    document: PolicyDocument, gateway: CodeArtifactGateway, target: Target
) -> Iterator[PackageRef]:
    """Every package of ``target`` some policy may claim (the worker's page walk)."""
    from ca_lifecycle.app.scope import scoped_packages as walk_packages
    from ca_lifecycle.gateway import NotFound

    try:
        yield from walk_packages(document, gateway, target)
    except NotFound as exc:
        raise CliError(
            f"no such repository {target.repository!r} in domain {target.domain!r}: {exc.message}",
            EXIT_AWS,
        ) from exc


@dataclass
class ScanReport:
    """What a plan or apply run saw, in scan order."""

    mode: str
    now: datetime
    targets: list[Target]
    results: list[PackageResult] = field(default_factory=list)
    applied: bool = False
    # --sizes: (package, version) -> asset bytes of every version to dispose; None without it.
    asset_bytes: dict[tuple[PackageRef, str], int] | None = None
    interrupted: bool = False  # stopped on request (Ctrl-C) after the write in flight
    price_per_gb_month: float = 0.05  # --price-per-gb-month: the cost estimate of bytes_to_free

    def confirmed_writes(self) -> dict[PackageRef, dict[str, PlannedWrite]]:
        """What this (preview) report shows will be written: all a confirmation may allow."""
        from ca_lifecycle.app.package import PlannedWrite
        from ca_lifecycle.facts import Action

        writes: dict[PackageRef, dict[str, PlannedWrite]] = {}
        for result in self.results:
            planned = writes.setdefault(result.package, {})
            for decision in result.evaluation.decisions:
                if decision.action in (Action.ARCHIVE, Action.DISPOSE) and decision.revision:
                    planned[decision.version] = PlannedWrite(
                        decision.action, decision.status, decision.revision
                    )
        return writes

    def bytes_to_free(self, result: PackageResult) -> int:
        """The asset bytes of the versions ``result`` disposes (0 without ``--sizes``)."""
        from ca_lifecycle.facts import Action

        sizes = self.asset_bytes or {}
        return sum(
            sizes.get((result.package, d.version), 0) for d in result.evaluation.actions(Action.DISPOSE)
        )

    def document(self) -> dict[str, Any]:
        """DESIGN.md's ``plan --json`` document (decisions carry ``outcome`` once applied)."""
        decisions: list[dict[str, Any]] = []
        origins: list[dict[str, Any]] = []
        for result in self.results:
            decisions.extend(result.decision_dicts())
            origin = result.origin_dict()
            if origin is not None:
                origins.append(origin)
        from ca_lifecycle_cli.output import PlanDocument, checked

        return checked(
            PlanDocument,
            {
                "mode": self.mode,
                "now": iso(self.now),
                "decisions": decisions,
                "origins": origins,
                "summary": self.summary(),
            },
        )

    def summary(self) -> dict[str, Any]:
        from ca_lifecycle.app.scope import Target

        per_repo = {target: _Tally() for target in self.targets}
        total = _Tally()
        for result in self.results:
            ref = result.package
            tally = per_repo.setdefault(Target(ref.domain, ref.domain_owner, ref.repository), _Tally())
            freed = self.bytes_to_free(result)
            tally.add(result, freed)
            total.add(result, freed)
        sized = self.asset_bytes is not None  # the keys appear only with --sizes
        summary: dict[str, Any] = {
            **total.as_dict(sized),
            "describes": sum(r.describes for r in self.results),
        }
        if sized:
            from ca_lifecycle.app.runs import monthly_cost

            # Assets are stored once per domain: disposing frees at most bytes_to_free.
            summary["bytes_to_free_is_upper_bound"] = True
            summary["monthly_cost_upper_bound_usd"] = monthly_cost(
                total.bytes_to_free, self.price_per_gb_month
            )
            summary["price_per_gb_month_usd"] = self.price_per_gb_month
        if self.applied:
            summary["outcomes"] = dict(total.outcomes)
        summary["repositories"] = [
            {"domain": t.domain, "repository": t.repository, **tally.as_dict(sized)}
            for t, tally in per_repo.items()
        ]
        return summary

    def failures(self) -> int:
        """Intended actions that did not succeed (failed, skipped by a guard, not attempted)."""
        return sum(count for outcome, count in self.outcome_counts().items() if outcome != "done")

    def outcome_counts(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for result in self.results:
            counts.update(_outcomes(result))
        return counts


def _outcomes(result: PackageResult) -> list[str]:
    """The kind of each intended action's outcome: done | skipped | failed | not attempted."""
    from ca_lifecycle.app.outcomes import NOT_ATTEMPTED
    from ca_lifecycle.facts import Action

    kinds = [
        result.outcome_of(decision).kind.value
        for decision in result.evaluation.decisions
        if decision.action in (Action.ARCHIVE, Action.DISPOSE) or decision.version in result.outcomes
    ]
    if result.evaluation.origin_change_needed:
        kinds.append((result.origin_outcome or NOT_ATTEMPTED).kind.value)
    return kinds


@dataclass
class _Tally:
    packages: int = 0
    versions: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)
    origins_to_lock: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    bytes_to_free: int = 0

    def add(self, result: PackageResult, bytes_to_free: int = 0) -> None:
        self.packages += 1
        self.bytes_to_free += bytes_to_free
        for decision in result.evaluation.decisions:
            self.versions += 1
            self.by_status[decision.status.value] += 1
            self.actions[decision.action.value] += 1
        if result.evaluation.origin_change_needed:
            self.origins_to_lock += 1
        if result.applied:
            self.outcomes.update(_outcomes(result))

    def as_dict(self, sized: bool = False) -> dict[str, Any]:
        from ca_lifecycle.facts import Action

        counts: dict[str, Any] = {
            "packages": self.packages,
            "versions": self.versions,
            "by_status": dict(sorted(self.by_status.items())),
            "actions": {action.value: self.actions.get(action.value, 0) for action in Action},
            "origins_to_lock": self.origins_to_lock,
        }
        if sized:
            counts["bytes_to_free"] = self.bytes_to_free
        return counts


def run_scan(
    document: PolicyDocument,
    gateway: CodeArtifactGateway,
    ledger: Ledger,
    now: datetime,
    *,
    repositories: Sequence[str],
    apply: bool,
    report: ScanReport | None = None,
    default_owner: str | None = None,
    sizes: bool = False,
    read_only: bool = False,
    allowed: Mapping[PackageRef, Mapping[str, PlannedWrite]] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ScanReport:
    """Enumerate policy scope → repositories → packages and run ``process_package`` on each.

    Pass ``report`` to keep what was done so far when an AWS error interrupts the scan.
    ``sizes``: also read the asset bytes of every version to dispose (``--sizes``).
    ``read_only``: write nothing to the ledger (a what-if clock). ``allowed``: per package,
    the writes a person confirmed; a package or write not in it is not written.
    ``should_stop``: checked between write chunks and packages (Ctrl-C).
    """
    from ca_lifecycle.app.package import process_package
    from ca_lifecycle.policy import Mode

    if report is None:
        report = ScanReport(mode=document.mode.value, now=now, targets=[])
    report.applied = apply and document.mode is Mode.ENFORCE
    if sizes and report.asset_bytes is None:
        report.asset_bytes = {}
    report.targets = repository_targets(document, gateway, repositories, default_owner)
    with progress_display() as progress:
        task = progress.add_task("scanning", total=None) if progress is not None else None
        for target in report.targets:
            for package in scoped_packages(document, gateway, target):
                if progress is not None and task is not None:
                    progress.update(task, description=f"{target.repository}: {package.name}")
                result = process_package(
                    package,
                    document=document,
                    gateway=gateway,
                    ledger=ledger,
                    now=now,
                    apply=apply,
                    read_only=read_only,
                    allowed=None if allowed is None else allowed.get(package, {}),
                    should_stop=should_stop,
                )
                report.results.append(result)
                if result.interrupted or (should_stop is not None and should_stop()):
                    report.interrupted = True
                    return report
                if report.asset_bytes is not None:
                    report.asset_bytes.update(disposed_asset_bytes(gateway, result))
                if progress is not None and task is not None:
                    progress.advance(task)
    return report


def run_planned(
    document: PolicyDocument,
    gateway: CodeArtifactGateway,
    ledger: Ledger,
    now: datetime,
    *,
    plan: SavedPlan,
    report: ScanReport,
    should_stop: Callable[[], bool] | None = None,
) -> ScanReport:
    """Carry out a saved plan: only its packages are evaluated, only its writes are made."""
    from ca_lifecycle.app.package import process_package
    from ca_lifecycle.policy import Mode

    report.applied = document.mode is Mode.ENFORCE
    for planned in plan.packages:
        result = process_package(
            planned.ref(),
            document=document,
            gateway=gateway,
            ledger=ledger,
            now=now,
            apply=True,
            allowed=planned.allowed(),
            should_stop=should_stop,
        )
        report.results.append(result)
        if result.interrupted or (should_stop is not None and should_stop()):
            report.interrupted = True
            break
    return report


@contextlib.contextmanager
def deferred_interrupt() -> Iterator[Callable[[], bool]]:
    """The first Ctrl-C asks the run to stop after the write in flight (and its ledger save);
    the second stops at once. Yields the question the write loop asks between chunks."""
    import signal
    import threading

    requested = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield requested.is_set  # signals reach the main thread only (tests may run elsewhere)
        return

    def on_sigint(_signum: int, _frame: object) -> None:
        if requested.is_set():
            raise KeyboardInterrupt
        requested.set()
        print(
            "\nstopping after the write in flight (Ctrl-C again to stop at once)…",
            file=sys.stderr,
            flush=True,
        )

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield requested.is_set
    finally:
        signal.signal(signal.SIGINT, previous)


def disposed_asset_bytes(
    gateway: CodeArtifactGateway, result: PackageResult
) -> dict[tuple[PackageRef, str], int]:
    """The asset bytes of each version ``result`` disposes: one ListPackageVersionAssets (paged)
    per version, read before the dispose by a ``SizingGateway`` (afterwards there are none)."""
    from ca_lifecycle.facts import Action

    from ca_lifecycle_cli.sizes import SizingGateway

    ref = result.package
    measure = gateway.measure if isinstance(gateway, SizingGateway) else gateway.version_asset_bytes
    return {(ref, d.version): measure(ref, d.version) for d in result.evaluation.actions(Action.DISPOSE)}


@contextlib.contextmanager
def progress_display() -> Iterator[Progress | None]:
    """A live package counter on stderr, only when stderr is a terminal (never in logs or pipes)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        MofNCompleteColumn(),
        TextColumn("packages"),
        TimeElapsedColumn(),
        console=stderr_console(),
        transient=True,
    ) as progress:
        yield progress


# ------------------------------------------------------------------------------- output


def stdout_console() -> Console:
    return _console_type()(width=min(WIDTH, _terminal_width()), highlight=False, soft_wrap=False)


def stderr_console() -> Console:
    return _console_type()(stderr=True, width=min(WIDTH, _terminal_width()), highlight=False)


@functools.cache
def _console_type() -> type[Console]:
    from rich.console import Console

    class PipeConsole(Console):
        """rich exits with status 1 on a broken pipe, which here means "actions failed"; raise
        instead, so `guarded` exits 141 as it does for --json (and as a shell tool would)."""

        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return PipeConsole


def _terminal_width() -> int:
    try:
        columns = os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError):
        return WIDTH
    return columns if columns > 0 else WIDTH  # a fresh pseudo-terminal reports 0 columns


def print_json(document: object, stream: TextIO | None = None) -> None:
    out = stream if stream is not None else sys.stdout
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")
    out.flush()


def package_label(ref: PackageRef) -> str:
    """``format/[namespace/]name`` as rich markup (escaped): the repository is shown once per
    table, not per row."""
    from rich.markup import escape

    namespace = f"{ref.namespace}/" if ref.namespace else ""
    return escape(f"{ref.format}/{namespace}{ref.name}")


def status_text(by_status: Mapping[str, int]) -> str:
    """Counts per status, one per line, in the API's lifecycle order."""
    from ca_lifecycle.facts import Status

    lines = [f"{by_status[s.value]} {s.value}" for s in Status if by_status.get(s.value)]
    return "\n".join(lines) or "0"


# ------------------------------------------------------------------------------- errors


def error_message(exc: BaseException) -> tuple[str, int]:
    """The one line and exit code for an exception a user can hit."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
    )
    from botocore.parsers import ResponseParserError
    from ca_lifecycle.gateway import (
        AccessDenied,
        GatewayError,
        NoCredentials,
        NotFound,
        Throttled,
        Unreachable,
    )
    from ca_lifecycle.ledger.local import LedgerFileError, LedgerLockedError
    from ca_lifecycle.policy import PolicyError

    if isinstance(exc, CliError):
        return exc.message, exc.exit_code
    if isinstance(exc, PolicyError):
        return "\n".join(exc.lines()), EXIT_BAD_INPUT
    if isinstance(exc, LedgerFileError | LedgerLockedError):
        return f"ledger: {exc}", EXIT_BAD_INPUT
    if isinstance(exc, NoCredentials | NoCredentialsError | PartialCredentialsError):
        return (
            "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
            "(or run `aws sso login`)",
            EXIT_AWS,
        )
    if isinstance(exc, AccessDenied):
        return f"access denied: {exc.message}", EXIT_AWS  # the message names the IAM action
    if isinstance(exc, NotFound):
        return f"not found: {exc.operation}: {exc.message}", EXIT_AWS
    if isinstance(exc, Throttled):
        return (
            f"throttled by CodeArtifact beyond retries ({exc.operation}): retry later, or raise "
            "AWS_MAX_ATTEMPTS",
            EXIT_AWS,
        )
    if isinstance(exc, Unreachable):
        return f"CodeArtifact endpoint unreachable: {exc.message}", EXIT_AWS
    if isinstance(exc, NoRegionError) or (isinstance(exc, GatewayError) and exc.code == "NoRegionError"):
        return NO_REGION, EXIT_AWS
    if isinstance(exc, GatewayError):
        return f"CodeArtifact error: {exc}", EXIT_AWS
    if isinstance(exc, ClientError):  # the DynamoDB ledger, STS
        error = exc.response.get("Error", {})
        operation = getattr(exc, "operation_name", "AWS")
        code = error.get("Code", "Unknown")
        if code == "AccessDeniedException":
            return (
                f"access denied: missing permission dynamodb:{operation} ({error.get('Message')})",
                EXIT_AWS,
            )
        return f"AWS error: {operation}: {code}: {error.get('Message')}", EXIT_AWS
    if isinstance(exc, EndpointConnectionError):  # STS or DynamoDB (the ledger table)
        return f"AWS endpoint unreachable: {exc}", EXIT_AWS
    if isinstance(exc, BotoCoreError):
        return f"AWS error: {exc}", EXIT_AWS
    if isinstance(exc, ResponseParserError):  # an endpoint that answered something not AWS-shaped
        return f"AWS error: the endpoint's answer could not be read ({exc})", EXIT_AWS
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}", EXIT_BAD_INPUT
    raise exc  # a bug: let the traceback show


def silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so the interpreter's final flush does
    not fail again (and print "Exception ignored … BrokenPipeError")."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def guarded(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn the exceptions of :func:`error_message` into ``error: …`` on stderr and an exit code."""

    @functools.wraps(run)
    def wrapper(args: argparse.Namespace) -> int:
        # KeyboardInterrupt and BrokenPipeError are handled by `main`, for every command.
        try:
            return run(args)
        except BrokenPipeError:
            raise
        except Exception as exc:
            message, code = error_message(exc)
            from ca_lifecycle.policy import PolicyError

            if isinstance(exc, PolicyError):
                # One line per invalid field, each with its path (what `validate` prints),
                # starting like every other error so a wrapper can grep one prefix.
                for line in message.splitlines():
                    print(f"error: {line}", file=sys.stderr)
            else:
                print(f"error: {_one_line(message)}", file=sys.stderr)
            return code

    return wrapper
