"""Local JSON-file ledger for the CLI and the demo: same semantics as the DynamoDB one.

The file is human-readable (indented, sorted keys) and rewritten atomically: a temporary
file in the same folder is written, flushed and ``os.replace``d over the old one, so a crash
never leaves half a ledger. Every operation reads the file afresh, so two CLI runs in a row
(or a person editing it) see each other's changes; a lock serialises threads of one process.

Layout::

    {"format": 1,
     "packages": {"PKG#…": {"meta": {"last_sequence": 7, "last_evaluated": "…Z"},
                            "versions": {"1.0.0": {"revision": "…", "archived_at": "…Z", …}}}},
     "events": {"EVENT#…": {"claimed_at": "…Z", "expires_at": 1700000000}}}
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ca_lifecycle.facts import PackageRef
from ca_lifecycle.ledger import DEFAULT_EVENT_TTL, PackageRecord, VersionRecord, event_key, package_key
from ca_lifecycle.ledger.codec import epoch_seconds, from_iso, to_iso, version_attributes, version_record

FILE_FORMAT = 1


class LedgerFileError(ValueError):
    """The ledger file exists but is not a ledger this code can read."""


class LocalLedger:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()

    # ------------------------------------------------------------------------------ storage

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"format": FILE_FORMAT, "packages": {}, "events": {}}
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LedgerFileError(f"{self.path}: not JSON ({exc})") from exc
        if not isinstance(data, dict) or data.get("format") != FILE_FORMAT:
            raise LedgerFileError(f"{self.path}: format: expected {FILE_FORMAT}")
        data.setdefault("packages", {})
        data.setdefault("events", {})
        return data

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
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

    @staticmethod
    def _package(data: dict[str, Any], package: PackageRef) -> dict[str, Any]:
        entry: dict[str, Any] = data["packages"].setdefault(package_key(package), {})
        entry.setdefault("meta", {})
        entry.setdefault("versions", {})
        return entry

    # ------------------------------------------------------------------------------ Ledger

    def load_package(self, package: PackageRef) -> PackageRecord:
        with self._lock:
            entry = self._read()["packages"].get(package_key(package))
        if not entry:
            return PackageRecord(versions={}, last_sequence=None, last_evaluated=None)
        meta = entry.get("meta", {})
        return PackageRecord(
            versions={v: version_record(a) for v, a in entry.get("versions", {}).items()},
            last_sequence=_int_or_none(meta.get("last_sequence")),
            last_evaluated=from_iso(meta.get("last_evaluated")),
        )

    def record_versions(self, package: PackageRef, updates: Mapping[str, VersionRecord]) -> None:
        if not updates:
            return
        with self._lock:
            data = self._read()
            versions = self._package(data, package)["versions"]
            for version, record in updates.items():
                versions[version] = version_attributes(record)
            self._write(data)

    def record_evaluation(self, package: PackageRef, at: datetime, sequence: int | None) -> None:
        with self._lock:
            data = self._read()
            meta = self._package(data, package)["meta"]
            meta["last_evaluated"] = to_iso(at)
            current = _int_or_none(meta.get("last_sequence"))
            if sequence is not None and (current is None or sequence > current):
                meta["last_sequence"] = sequence
            self._write(data)

    def last_sequence(self, package: PackageRef) -> int | None:
        return self.load_package(package).last_sequence

    def load_version(self, package: PackageRef, version: str) -> VersionRecord | None:
        with self._lock:
            entry = self._read()["packages"].get(package_key(package)) or {}
        attributes = entry.get("versions", {}).get(version)
        return None if attributes is None else version_record(attributes)

    def claim_event(self, dedupe_id: str, now: datetime, ttl: timedelta = DEFAULT_EVENT_TTL) -> bool:
        with self._lock:
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
        with self._lock:
            return self._live(self._read()["events"].get(event_key(dedupe_id)), now)

    @staticmethod
    def _live(claim: object, now: datetime) -> bool:
        if not isinstance(claim, dict):
            return False
        expires = _int_or_none(claim.get("expires_at"))
        return expires is not None and expires > epoch_seconds(now)


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
