"""Local JSON-file ledger for the CLI and the demo: same semantics as the DynamoDB one.

The file is human-readable (indented, sorted keys) and rewritten atomically: a temporary
file in the same folder is written, flushed and ``os.replace``d over the old one, so a crash
never leaves half a ledger. Every operation takes an exclusive lock on ``PATH.lock``
(``flock``), reads the file afresh, changes only what it was asked to and writes it back:
two processes sharing one ledger (two ``apply`` runs, a cron beside a person) serialise and
lose nothing; a process that cannot get the lock within ``lock_timeout`` fails with one line.
A file that is JSON but not a ledger is refused, naming the first bad field.

Layout::

    {"format": 1,
     "packages": {"PKG#…": {"meta": {"last_sequence": 7, "last_evaluated": "…Z"},
                            "versions": {"1.0.0": {"revision": "…", "archived_at": "…Z", …}},
                            "intents": {"<id>": {"action": "archive", "versions": {…}, …}}}},
     "events": {"EVENT#…": {"claimed_at": "…Z", "expires_at": 1700000000}}}
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ca_lifecycle.facts import Action, PackageRef, Status
from ca_lifecycle.ledger import (
    DEFAULT_EVENT_TTL,
    HeldVersion,
    Intent,
    PackageRecord,
    UsageStream,
    VersionRecord,
    event_key,
    package_key,
    usage_stream_key,
)
from ca_lifecycle.ledger.codec import (
    epoch_seconds,
    from_iso,
    intent_attributes,
    intent_record,
    to_iso,
    usage_iso,
    version_attributes,
    version_record,
)
from ca_lifecycle.ledger.runs import (
    RUN_TTL,
    NoticeRecord,
    RunRecord,
    digest_key,
    notice_attributes,
    notice_record,
    run_parts,
    runs_from_parts,
)

FILE_FORMAT = 1
DEFAULT_LOCK_TIMEOUT = 30.0  # seconds a second process waits for the first one's operation


class LedgerFileError(ValueError):
    """The ledger file exists but is not a ledger this code can read."""


class LedgerLockedError(RuntimeError):
    """Another process held the ledger's lock for longer than the timeout."""


class LocalLedger:
    def __init__(
        self,
        path: str | Path,
        *,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
        on_create: Callable[[Path], None] | None = None,
    ) -> None:
        """``on_create``: told when this ledger creates its file (the CLI says so on stderr)."""
        self.path = Path(path)
        self.on_create = on_create
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.lock_timeout = lock_timeout
        self._sleep = sleep
        self._lock = threading.RLock()

    # ------------------------------------------------------------------------------ storage

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """This thread and this process alone, for one read-modify-write."""
        with self._lock:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                waited = 0.0
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if waited >= self.lock_timeout:
                            raise LedgerLockedError(
                                f"{self.path}: another process has held its lock for "
                                f"{self.lock_timeout:g} s ({self.lock_path}); try again when it is done"
                            ) from None
                        self._sleep(0.05)
                        waited += 0.05
                yield
            finally:
                os.close(fd)  # closing releases the flock

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {
                "format": FILE_FORMAT,
                "packages": {},
                "events": {},
                "runs": {},
                "digests": {},
                "usage": {},
            }
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise LedgerFileError(f"{self.path}: not JSON ({exc})") from exc
        if not isinstance(data, dict) or data.get("format") != FILE_FORMAT:
            raise LedgerFileError(f"{self.path}: format: expected {FILE_FORMAT}")
        data.setdefault("packages", {})
        data.setdefault("events", {})
        data.setdefault("runs", {})
        data.setdefault("digests", {})
        data.setdefault("usage", {})
        problem = _structure_problem(data)
        if problem is not None:
            raise LedgerFileError(f"{self.path}: {problem}")
        return data

    def _write(self, data: dict[str, Any]) -> None:
        created = not self.path.exists()
        fd, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2, sort_keys=True)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        if created and self.on_create is not None:
            self.on_create(self.path)

    @staticmethod
    def _package(data: dict[str, Any], package: PackageRef) -> dict[str, Any]:
        entry: dict[str, Any] = data["packages"].setdefault(package_key(package), {})
        entry.setdefault("meta", {})
        entry.setdefault("versions", {})
        entry.setdefault("intents", {})
        return entry

    def _entry(self, package: PackageRef) -> dict[str, Any]:
        with self._locked():
            entry: dict[str, Any] = self._read()["packages"].get(package_key(package)) or {}
        return entry

    # ------------------------------------------------------------------------------ Ledger

    def load_package(self, package: PackageRef) -> PackageRecord:
        entry = self._entry(package)
        if not entry:
            return PackageRecord(versions={}, last_sequence=None, last_evaluated=None)
        meta = entry.get("meta", {})
        return PackageRecord(
            versions={v: version_record(a) for v, a in entry.get("versions", {}).items()},
            last_sequence=_int_or_none(meta.get("last_sequence")),
            last_evaluated=from_iso(meta.get("last_evaluated")),
            intents={i: intent_record(i, a) for i, a in entry.get("intents", {}).items()},
            usage_tracked_since=from_iso(meta.get("usage_tracked_since")),
            usage_last_ingested=from_iso(meta.get("usage_last_ingested")),
        )

    def record_versions(self, package: PackageRef, updates: Mapping[str, VersionRecord]) -> None:
        if not updates:
            return
        with self._locked():
            data = self._read()
            versions = self._package(data, package)["versions"]
            for version, record in updates.items():
                attributes = version_attributes(record)
                # Usage is written by record_usage alone: a record loaded before a concurrent
                # usage write must not move last_downloaded backwards (or drop it).
                stored = versions.get(version, {}).get("last_downloaded")
                newest = _latest(stored, attributes.get("last_downloaded"))
                if newest is not None:
                    attributes["last_downloaded"] = newest
                versions[version] = attributes
            self._write(data)

    def record_usage(self, package: PackageRef, downloads: Mapping[str, datetime], day: datetime) -> None:
        with self._locked():
            data = self._read()
            entry = self._package(data, package)
            for version, moment in downloads.items():
                attributes = entry["versions"].setdefault(version, {"archived_by_us": False})
                newest = _latest(attributes.get("last_downloaded"), usage_iso(moment))
                if newest is not None:
                    attributes["last_downloaded"] = newest
            _widen(entry["meta"], "usage_tracked_since", "usage_last_ingested", usage_iso(day))
            self._write(data)

    def record_ingestion(self, domain_owner: str | None, domain: str, at: datetime) -> None:
        with self._locked():
            data = self._read()
            stream = data["usage"].setdefault(usage_stream_key(domain_owner, domain), {})
            _widen(stream, "tracked_since", "last_ingested", usage_iso(at))
            self._write(data)

    def usage_stream(self, domain_owner: str | None, domain: str) -> UsageStream:
        with self._locked():
            stream = self._read()["usage"].get(usage_stream_key(domain_owner, domain)) or {}
        return UsageStream(
            tracked_since=from_iso(stream.get("tracked_since")),
            last_ingested=from_iso(stream.get("last_ingested")),
        )

    def record_intent(self, package: PackageRef, intent: Intent) -> None:
        with self._locked():
            data = self._read()
            self._package(data, package)["intents"][intent.intent_id] = intent_attributes(intent)
            self._write(data)

    def clear_intent(self, package: PackageRef, intent_id: str) -> None:
        with self._locked():
            data = self._read()
            if self._package(data, package)["intents"].pop(intent_id, None) is not None:
                self._write(data)

    def holds(self) -> list[HeldVersion]:
        with self._locked():
            packages = self._read()["packages"]
        return [
            HeldVersion(key, version, version_record(attributes))
            for key, entry in sorted(packages.items())
            for version, attributes in sorted(entry.get("versions", {}).items())
            if isinstance(attributes.get("hold_reason"), str)
        ]

    def record_evaluation(self, package: PackageRef, at: datetime, sequence: int | None) -> None:
        with self._locked():
            data = self._read()
            meta = self._package(data, package)["meta"]
            meta["last_evaluated"] = to_iso(at)
            current = _int_or_none(meta.get("last_sequence"))
            if sequence is not None and (current is None or sequence > current):
                meta["last_sequence"] = sequence
            self._write(data)

    def package_summary(self, package: PackageRef) -> tuple[int | None, datetime | None]:
        meta = self._entry(package).get("meta", {})
        return _int_or_none(meta.get("last_sequence")), from_iso(meta.get("last_evaluated"))

    def last_sequence(self, package: PackageRef) -> int | None:
        return self.package_summary(package)[0]

    def load_version(self, package: PackageRef, version: str) -> VersionRecord | None:
        entry = self._entry(package)
        attributes = entry.get("versions", {}).get(version)
        return None if attributes is None else version_record(attributes)

    def claim_event(self, dedupe_id: str, now: datetime, ttl: timedelta = DEFAULT_EVENT_TTL) -> bool:
        with self._locked():
            data = self._read()
            events = data["events"]
            if self._live(events.get(event_key(dedupe_id)), now):
                return False
            # Expired claims are pruned here, as DynamoDB's TTL would eventually do.
            for key in [k for k, v in events.items() if not self._live(v, now)]:
                del events[key]
            events[event_key(dedupe_id)] = {"claimed_at": to_iso(now), "expires_at": epoch_seconds(now + ttl)}
            self._write(data)
            return True

    def event_claimed(self, dedupe_id: str, now: datetime) -> bool:
        with self._locked():
            return self._live(self._read()["events"].get(event_key(dedupe_id)), now)

    # --- run reports and digests (ca_lifecycle.ledger.runs) ---------------------------------

    def record_run(self, run: RunRecord, ttl: timedelta = RUN_TTL) -> None:
        with self._locked():
            data = self._read()
            runs = data["runs"]
            # Expired runs are pruned here, as DynamoDB's TTL would eventually do.
            for key in [
                k
                for k, v in runs.items()
                if _int_or_none(v.get("expires_at")) is not None and v["expires_at"] <= epoch_seconds(run.at)
            ]:
                del runs[key]
            (header, *rest) = run_parts(run, epoch_seconds(run.at + ttl))
            header["versions"] = [v for part in (header, *rest) for v in part["versions"]]
            header["parts"] = 1
            runs[run.run_id] = header
            self._write(data)

    def runs(self, since: datetime, until: datetime) -> list[RunRecord]:
        with self._locked():
            stored = list(self._read()["runs"].values())
        return [r for r in runs_from_parts(stored) if since <= r.at <= until]

    def record_notice(self, notice: NoticeRecord) -> None:
        with self._locked():
            data = self._read()
            key = digest_key(notice.domain, notice.domain_owner)
            data["digests"].setdefault(key, []).append(notice_attributes(notice))
            self._write(data)

    def last_notice(self, domain: str, domain_owner: str | None) -> NoticeRecord | None:
        with self._locked():
            stored = self._read()["digests"].get(digest_key(domain, domain_owner)) or []
        records = [notice_record(item) for item in stored]
        return max(records, key=lambda n: (n.at, n.notice_id)) if records else None

    @staticmethod
    def _live(claim: object, now: datetime) -> bool:
        if not isinstance(claim, dict):
            return False
        expires = _int_or_none(claim.get("expires_at"))
        return expires is not None and expires > epoch_seconds(now)


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _latest(*texts: object) -> str | None:
    """The newest of some ISO times (None ignored); compared as times, not as strings."""
    moments = [text for text in texts if isinstance(text, str) and text]
    return max(moments, key=lambda text: from_iso(text) or _EPOCH) if moments else None


def _widen(target: dict[str, Any], first: str, last: str, moment: str) -> None:
    """``first`` = min, ``last`` = max of the times seen."""
    when = from_iso(moment)
    start, end = from_iso(target.get(first)), from_iso(target.get(last))
    if start is None or (when is not None and when < start):
        target[first] = moment
    if end is None or (when is not None and when > end):
        target[last] = moment


def _time_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return f"expected an ISO-8601 time, got {type(value).__name__}"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return f"not an ISO-8601 time: {value!r}"
    return None if moment.tzinfo is not None else f"no time zone: {value!r}"


_VERSION_FIELDS: dict[str, Callable[[object], str | None]] = {
    "revision": lambda v: None if isinstance(v, str) else "expected a string",
    "published": _time_problem,
    "archived_at": _time_problem,
    "held_until": _time_problem,
    "archived_by_us": lambda v: None if isinstance(v, bool) else "expected true or false",
    "hold_reason": lambda v: None if isinstance(v, str) else "expected a string",
    "noticed_at": _time_problem,
    "notice_id": lambda v: None if isinstance(v, str) else "expected a string",
    "last_downloaded": _time_problem,
}
_META_FIELDS: dict[str, Callable[[object], str | None]] = {
    "last_sequence": lambda v: None if _int_or_none(v) is not None else "expected an integer",
    "last_evaluated": _time_problem,
    "usage_tracked_since": _time_problem,
    "usage_last_ingested": _time_problem,
}
_STREAM_FIELDS: dict[str, Callable[[object], str | None]] = {
    "tracked_since": _time_problem,
    "last_ingested": _time_problem,
}


def _structure_problem(data: dict[str, Any]) -> str | None:
    """The first field of ``data`` that is not what the ledger wrote, as ``path: problem``."""
    for section in ("packages", "events", "runs", "digests", "usage"):
        if not isinstance(data[section], dict):
            return f"{section}: expected an object, got {type(data[section]).__name__}"
    for run_id, run in data["runs"].items():
        if not isinstance(run, dict) or not isinstance(run.get("versions"), list):
            return f"runs[{run_id!r}].versions: expected a list"
        if problem := _time_problem(run.get("at")):
            return f"runs[{run_id!r}].at: {problem}"
    for key, notices in data["digests"].items():
        if not isinstance(notices, list) or not all(isinstance(n, dict) for n in notices):
            return f"digests[{key!r}]: expected a list of objects"
        for notice in notices:
            if problem := _time_problem(notice.get("at")):
                return f"digests[{key!r}].at: {problem}"
    for key, stream in data["usage"].items():
        if not isinstance(stream, dict):
            return f"usage[{key!r}]: expected an object, got {type(stream).__name__}"
        for name, check in _STREAM_FIELDS.items():
            value = stream.get(name)
            if value is not None and (problem := check(value)):
                return f"usage[{key!r}].{name}: {problem}"
    for key, entry in data["packages"].items():
        where = f"packages[{key!r}]"
        if not isinstance(entry, dict):
            return f"{where}: expected an object, got {type(entry).__name__}"
        for part in ("meta", "versions", "intents"):
            if part in entry and not isinstance(entry[part], dict):
                return f"{where}.{part}: expected an object, got {type(entry[part]).__name__}"
        for name, check in _META_FIELDS.items():
            value = entry.get("meta", {}).get(name)
            if value is not None and (problem := check(value)):
                return f"{where}.meta.{name}: {problem}"
        for version, attributes in entry.get("versions", {}).items():
            if not isinstance(attributes, dict):
                return f"{where}.versions[{version!r}]: expected an object, got {type(attributes).__name__}"
            for name, check in _VERSION_FIELDS.items():
                value = attributes.get(name)
                if value is not None and (problem := check(value)):
                    return f"{where}.versions[{version!r}].{name}: {problem}"
        for intent_id, attributes in entry.get("intents", {}).items():
            problem = _intent_problem(attributes)
            if problem:
                return f"{where}.intents[{intent_id!r}]: {problem}"
    return None


def _intent_problem(attributes: object) -> str | None:
    if not isinstance(attributes, dict):
        return "expected an object"
    if attributes.get("action") not in (Action.ARCHIVE.value, Action.DISPOSE.value):
        return f"action: expected archive or dispose, got {attributes.get('action')!r}"
    if attributes.get("expected") not in {status.value for status in Status}:
        return f"expected: not a status: {attributes.get('expected')!r}"
    versions = attributes.get("versions")
    if not isinstance(versions, dict) or not all(isinstance(r, str) for r in versions.values()):
        return "versions: expected an object of version -> revision"
    problem = _time_problem(attributes.get("at"))
    return f"at: {problem}" if problem else None
