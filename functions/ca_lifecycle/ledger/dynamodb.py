"""DynamoDB ledger: one on-demand table, ``pk``/``sk`` strings, TTL on ``expires_at``.

Items: ``PKG#…`` / ``VER#{version}`` per version, ``PKG#…`` / ``META`` per package,
``PKG#…`` / ``INTENT#{id}`` per write not yet settled, and ``EVENT#{id}`` / ``EVENT`` per
claimed event (with ``expires_at``). Reads that decide anything (sequence, claims, the
package load) are strongly consistent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ca_lifecycle.facts import PackageRef
from ca_lifecycle.ledger import (
    DEFAULT_EVENT_TTL,
    EVENT_SORT_KEY,
    INTENT_PREFIX,
    META_SORT_KEY,
    USAGE_PREFIX,
    USAGE_SORT_KEY,
    VERSION_PREFIX,
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
    run_day_keys,
    run_parts,
    runs_from_parts,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

_CONDITION_FAILED = "ConditionalCheckFailedException"


def _is_condition_failure(exc: ClientError) -> bool:
    return bool(exc.response.get("Error", {}).get("Code") == _CONDITION_FAILED)


class DynamoDBLedger:
    def __init__(self, table_name: str, table: Table | None = None) -> None:
        self.table_name = table_name
        self._table = table

    @property
    def table(self) -> Table:
        if self._table is None:
            import boto3  # created on first use, after moto (tests) or the runtime is ready

            self._table = boto3.resource("dynamodb").Table(self.table_name)
        return self._table

    def load_package(self, package: PackageRef) -> PackageRecord:
        pk = package_key(package)
        versions: dict[str, VersionRecord] = {}
        intents: dict[str, Intent] = {}
        last_sequence: int | None = None
        last_evaluated: datetime | None = None
        downloaded: dict[str, datetime] = {}
        usage_meta: dict[str, Any] = {}
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": pk},
            "ConsistentRead": True,
        }
        while True:
            page = self.table.query(**kwargs)
            for item in page.get("Items", []):
                sk = str(item["sk"])
                if sk == META_SORT_KEY:
                    last_sequence = _int_or_none(item.get("last_sequence"))
                    last_evaluated = from_iso(item.get("last_evaluated"))
                elif sk.startswith(VERSION_PREFIX):
                    versions[sk[len(VERSION_PREFIX) :]] = version_record(dict(item))
                elif sk.startswith(INTENT_PREFIX):
                    intent_id = sk[len(INTENT_PREFIX) :]
                    intents[intent_id] = intent_record(intent_id, dict(item))
                elif sk.startswith(USAGE_PREFIX):
                    moment = from_iso(item.get("last_downloaded"))
                    if moment is not None:
                        downloaded[sk[len(USAGE_PREFIX) :]] = moment
                elif sk == USAGE_SORT_KEY:
                    usage_meta = dict(item)
            start = page.get("LastEvaluatedKey")
            if not start:
                break
            kwargs["ExclusiveStartKey"] = start
        for version, moment in downloaded.items():
            versions[version] = replace(versions.get(version, VersionRecord()), last_downloaded=moment)
        return PackageRecord(
            versions=versions,
            last_sequence=last_sequence,
            last_evaluated=last_evaluated,
            intents=intents,
            usage_tracked_since=from_iso(usage_meta.get("tracked_since")),
            usage_last_ingested=from_iso(usage_meta.get("last_ingested")),
        )

    def record_versions(self, package: PackageRef, updates: Mapping[str, VersionRecord]) -> None:
        if not updates:
            return
        pk = package_key(package)
        # batch_writer sends 25 puts per BatchWriteItem and resubmits UnprocessedItems itself.
        with self.table.batch_writer() as batch:
            for version, record in updates.items():
                attributes = version_attributes(record)
                # last_downloaded lives in its own USE# item, written only by record_usage's
                # conditional update: a whole-record put here can never move it backwards.
                attributes.pop("last_downloaded", None)
                batch.put_item(Item={"pk": pk, "sk": f"{VERSION_PREFIX}{version}", **attributes})

    def record_evaluation(self, package: PackageRef, at: datetime, sequence: int | None) -> None:
        key = {"pk": package_key(package), "sk": META_SORT_KEY}
        if sequence is not None:
            # DynamoDB has no max(): set both only when the new sequence is higher ...
            try:
                self.table.update_item(
                    Key=key,
                    UpdateExpression="SET last_evaluated = :at, last_sequence = :seq",
                    ConditionExpression="attribute_not_exists(last_sequence) OR last_sequence < :seq",
                    ExpressionAttributeValues={":at": to_iso(at), ":seq": sequence},
                )
            except ClientError as exc:
                if not _is_condition_failure(exc):
                    raise
            else:
                return
        # ... otherwise (or without a sequence) only the evaluation time moves.
        self.table.update_item(
            Key=key,
            UpdateExpression="SET last_evaluated = :at",
            ExpressionAttributeValues={":at": to_iso(at)},
        )

    def package_summary(self, package: PackageRef) -> tuple[int | None, datetime | None]:
        response = self.table.get_item(
            Key={"pk": package_key(package), "sk": META_SORT_KEY},
            ProjectionExpression="last_sequence, last_evaluated",
            ConsistentRead=True,
        )
        item = response.get("Item", {})
        return _int_or_none(item.get("last_sequence")), from_iso(item.get("last_evaluated"))

    def last_sequence(self, package: PackageRef) -> int | None:
        return self.package_summary(package)[0]

    def record_intent(self, package: PackageRef, intent: Intent) -> None:
        self.table.put_item(
            Item={
                "pk": package_key(package),
                "sk": f"{INTENT_PREFIX}{intent.intent_id}",
                **intent_attributes(intent),
            }
        )

    def clear_intent(self, package: PackageRef, intent_id: str) -> None:
        self.table.delete_item(Key={"pk": package_key(package), "sk": f"{INTENT_PREFIX}{intent_id}"})

    def holds(self) -> list[HeldVersion]:
        # A scan: `ca-lifecycle holds` is a rare human command, not on any hot path.
        found: list[HeldVersion] = []
        kwargs: dict[str, Any] = {"FilterExpression": "attribute_exists(hold_reason)"}
        while True:
            page = self.table.scan(**kwargs)
            for item in page.get("Items", []):
                sk = str(item["sk"])
                if sk.startswith(VERSION_PREFIX):
                    found.append(
                        HeldVersion(str(item["pk"]), sk[len(VERSION_PREFIX) :], version_record(dict(item)))
                    )
            start = page.get("LastEvaluatedKey")
            if not start:
                return sorted(found, key=lambda h: (h.package_key, h.version))
            kwargs["ExclusiveStartKey"] = start

    def load_version(self, package: PackageRef, version: str) -> VersionRecord | None:
        response = self.table.get_item(
            Key={"pk": package_key(package), "sk": f"{VERSION_PREFIX}{version}"}, ConsistentRead=True
        )
        item = response.get("Item")
        return None if item is None else version_record(dict(item))

    def claim_event(self, dedupe_id: str, now: datetime, ttl: timedelta = DEFAULT_EVENT_TTL) -> bool:
        try:
            self.table.put_item(
                Item={
                    "pk": event_key(dedupe_id),
                    "sk": EVENT_SORT_KEY,
                    "claimed_at": to_iso(now),
                    "expires_at": epoch_seconds(now + ttl),
                },
                # TTL deletion lags expiry by up to days, so an expired item counts as absent.
                ConditionExpression="attribute_not_exists(pk) OR expires_at <= :now",
                ExpressionAttributeValues={":now": epoch_seconds(now)},
            )
        except ClientError as exc:
            if _is_condition_failure(exc):
                return False
            raise
        return True

    def record_usage(self, package: PackageRef, downloads: Mapping[str, datetime], day: datetime) -> None:
        pk = package_key(package)
        for version, moment in downloads.items():
            # DynamoDB has no max(): the condition keeps concurrent writers from moving it back.
            self._conditional_set(
                {"pk": pk, "sk": f"{USAGE_PREFIX}{version}"}, "last_downloaded", ">", usage_iso(moment)
            )
        self._widen({"pk": pk, "sk": USAGE_SORT_KEY}, usage_iso(day))

    def record_ingestion(self, domain_owner: str | None, domain: str, at: datetime) -> None:
        self._widen({"pk": usage_stream_key(domain_owner, domain), "sk": USAGE_SORT_KEY}, usage_iso(at))

    def usage_stream(self, domain_owner: str | None, domain: str) -> UsageStream:
        response = self.table.get_item(
            Key={"pk": usage_stream_key(domain_owner, domain), "sk": USAGE_SORT_KEY}, ConsistentRead=True
        )
        item = response.get("Item", {})
        return UsageStream(
            tracked_since=from_iso(item.get("tracked_since")),
            last_ingested=from_iso(item.get("last_ingested")),
        )

    def _widen(self, key: dict[str, str], moment: str) -> None:
        """tracked_since = min, last_ingested = max (each a conditional update)."""
        self._conditional_set(key, "last_ingested", ">", moment)
        self._conditional_set(key, "tracked_since", "<", moment)

    def _conditional_set(self, key: dict[str, str], name: str, wins: str, value: str) -> bool:
        """SET name = :t when absent or when :t is newer (``>``) / older (``<``); False = kept.
        Values are whole-second ISO texts (``usage_iso``), which order as the times do."""
        stored_loses = "<" if wins == ">" else ">"
        try:
            self.table.update_item(
                Key=key,
                UpdateExpression=f"SET {name} = :t",
                ConditionExpression=f"attribute_not_exists({name}) OR {name} {stored_loses} :t",
                ExpressionAttributeValues={":t": value},
            )
        except ClientError as exc:
            if _is_condition_failure(exc):
                return False
            raise
        return True

    def event_claimed(self, dedupe_id: str, now: datetime) -> bool:
        response = self.table.get_item(
            Key={"pk": event_key(dedupe_id), "sk": EVENT_SORT_KEY}, ConsistentRead=True
        )
        expires = _int_or_none(response.get("Item", {}).get("expires_at"))
        return expires is not None and expires > epoch_seconds(now)

    # --- run reports and digests (ca_lifecycle.ledger.runs) ---------------------------------

    def record_run(self, run: RunRecord, ttl: timedelta = RUN_TTL) -> None:
        pk = run_day_keys(run.at, run.at)[0]
        with self.table.batch_writer() as batch:
            for part in run_parts(run, epoch_seconds(run.at + ttl)):
                sk = f"{to_iso(run.at)}#{run.run_id}#{part['part']:04d}"
                batch.put_item(Item={"pk": pk, "sk": sk, **part})

    def runs(self, since: datetime, until: datetime) -> list[RunRecord]:
        items: list[dict[str, Any]] = []
        for pk in run_day_keys(since, until):
            kwargs: dict[str, Any] = {
                "KeyConditionExpression": "pk = :pk AND sk BETWEEN :from AND :to",
                # "~" sorts after every "#suffix" of the last second
                "ExpressionAttributeValues": {":pk": pk, ":from": to_iso(since), ":to": to_iso(until) + "~"},
            }
            while True:
                page = self.table.query(**kwargs)
                items.extend(dict(item) for item in page.get("Items", []))
                start = page.get("LastEvaluatedKey")
                if not start:
                    break
                kwargs["ExclusiveStartKey"] = start
        return runs_from_parts(items)

    def record_notice(self, notice: NoticeRecord) -> None:
        self.table.put_item(
            Item={
                "pk": digest_key(notice.domain, notice.domain_owner),
                "sk": f"{to_iso(notice.at)}#{notice.notice_id}",
                **notice_attributes(notice),
            }
        )

    def last_notice(self, domain: str, domain_owner: str | None) -> NoticeRecord | None:
        page = self.table.query(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": digest_key(domain, domain_owner)},
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )
        items = page.get("Items", [])
        return notice_record(dict(items[0])) if items else None


def _int_or_none(value: object) -> int | None:
    # The resource layer returns numbers as Decimal.
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return int(value)
    return None
