"""The CodeArtifact "Package Version State Change" event, validated at the edge.

``EventBridgeEnvelope`` is the envelope (the fields of Powertools' ``EventBridgeModel``, declared
here: importing that one model imports every Powertools parser model, a cold-start cost for
one class); ``CodeArtifactEventDetail`` is the ``detail``.
Every documented variant is accepted (null namespace, no ``repositoryAdministrator``, the
``changes`` booleans sent as ``"true"``/``"false"`` strings, an undocumented state on deletes);
anything else fails with a pydantic error whose location names the field (by its JSON name).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ca_lifecycle.facts import PackageRef, Status

DETAIL_TYPE = "CodeArtifact Package Version State Change"
MAX_SEQUENCE = 2**63 - 1
SOURCE = "aws.codeartifact"

PackageFormat = Literal["npm", "pypi", "maven", "nuget", "generic", "ruby", "swift", "cargo"]
OperationType = Literal["Created", "Updated", "Deleted"]

# States CodeArtifact documents for Created/Updated events. Deletes carry a value AWS does not
# document, so it is kept as a plain string there.
DOCUMENTED_STATES: frozenset[str] = frozenset(
    {Status.UNFINISHED, Status.PUBLISHED, Status.UNLISTED, Status.ARCHIVED, Status.DISPOSED}
)


def _bool_or_bool_string(value: object) -> object:
    # One AWS sample sends the flags as "true"/"false". Only those two spellings are accepted:
    # pydantic's lax bool would also take "yes", "on", 1 ..., which no producer sends.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise ValueError('must be a boolean or the string "true" or "false"')


def _count(value: object) -> object:
    # Counts are ints; a digit string is tolerated for symmetry with the boolean flags.
    if isinstance(value, bool):
        raise ValueError("must be a non-negative integer, not a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise ValueError("must be a non-negative integer")


FlexibleBool = Annotated[bool, BeforeValidator(_bool_or_bool_string)]
Count = Annotated[int, BeforeValidator(_count), Field(ge=0)]
NonEmpty = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    # Unknown keys are ignored (AWS adds fields, as it did with repositoryAdministrator);
    # the fields we rely on are validated strictly.
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, strict=False)


class CodeArtifactChanges(_Strict):
    assets_added: Count = Field(alias="assetsAdded")
    assets_removed: Count = Field(alias="assetsRemoved")
    assets_updated: Count = Field(alias="assetsUpdated")
    metadata_updated: FlexibleBool = Field(alias="metadataUpdated")
    status_changed: FlexibleBool = Field(alias="statusChanged")


class CodeArtifactEventDetail(_Strict):
    domain_name: NonEmpty = Field(alias="domainName")
    domain_owner: Annotated[str, Field(pattern=r"^\d{12}$")] = Field(alias="domainOwner")
    repository_name: NonEmpty = Field(alias="repositoryName")
    repository_administrator: str | None = Field(default=None, alias="repositoryAdministrator")
    package_format: PackageFormat = Field(alias="packageFormat")
    package_namespace: str | None = Field(alias="packageNamespace")
    package_name: NonEmpty = Field(alias="packageName")
    package_version: NonEmpty = Field(alias="packageVersion")
    package_version_revision: str | None = Field(default=None, alias="packageVersionRevision")
    changes: CodeArtifactChanges
    operation_type: OperationType = Field(alias="operationType")
    # Declared after operationType so its validator can see the operation.
    # Deletes may carry any value, null or none at all (AWS documents none for them).
    package_version_state: str | None = Field(alias="packageVersionState")
    # Bounded by what AWS can emit (a DynamoDB-safe signed 64-bit number): a bogus 2**70 must
    # not become a "last sequence" no real event can pass (the worker's stale check also
    # requires the evaluation to be newer than the event, so no number silences a package).
    sequence_number: Annotated[int, Field(ge=0, le=MAX_SEQUENCE, strict=True)] = Field(alias="sequenceNumber")
    event_deduplication_id: NonEmpty = Field(alias="eventDeduplicationId")

    @model_validator(mode="before")
    @classmethod
    def _deletes_may_omit_the_state(cls, data: Any) -> Any:
        if (
            isinstance(data, dict)
            and data.get("operationType") == "Deleted"
            and "packageVersionState" not in data
            and "package_version_state" not in data
        ):
            return {**data, "packageVersionState": None}
        return data

    @field_validator("package_version_state")
    @classmethod
    def _state_is_documented(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("operation_type", "Deleted") == "Deleted":
            return value
        if value is None:
            raise ValueError("required (only deletes may omit it)")
        if value not in DOCUMENTED_STATES:
            raise ValueError(
                f"{value!r} is not one of {sorted(DOCUMENTED_STATES)} (only deletes may carry other values)"
            )
        return value

    @property
    def status(self) -> Status:
        """The version's status after the change (``Deleted`` for deletes, whatever the state says)."""
        if self.operation_type == "Deleted":
            return Status.DELETED
        return Status(str(self.package_version_state))  # validated: documented when not a delete

    def package_ref(self) -> PackageRef:
        """The package this event is about, with the names exactly as the event gives them."""
        return PackageRef(
            domain=self.domain_name,
            repository=self.repository_name,
            format=self.package_format,
            namespace=self.package_namespace,
            name=self.package_name,
            domain_owner=self.domain_owner,
        )


class EventBridgeEnvelope(BaseModel):
    """An EventBridge event's envelope: Powertools' ``EventBridgeModel`` fields and aliases."""

    model_config = ConfigDict(populate_by_name=True)

    version: str
    id: str
    source: str
    account: str
    time: datetime
    region: str
    resources: list[str]
    detail_type: str = Field(alias="detail-type")
    detail: Any
    replay_name: str | None = Field(default=None, alias="replay-name")


class CodeArtifactEvent(EventBridgeEnvelope):
    """The whole EventBridge envelope, as EventBridge delivers it to the SQS work queue."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    source: Literal["aws.codeartifact"]
    # EventBridge always sends the account; moto's rule-to-SQS delivery (our integration
    # tests and the demo) drops it. Nothing reads it, so its absence is tolerated.
    account: str | None = None  # type: ignore[assignment]
    detail_type: Literal["CodeArtifact Package Version State Change"] = Field(alias="detail-type")
    detail: CodeArtifactEventDetail

    def package_ref(self) -> PackageRef:
        return self.detail.package_ref()


def parse_event(data: dict[str, Any]) -> CodeArtifactEvent:
    """Validate one EventBridge event dict (raises ``pydantic.ValidationError``)."""
    return CodeArtifactEvent.model_validate(data)
