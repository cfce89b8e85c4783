"""CloudTrail-shaped CodeArtifact read events (``ReadFromRepository``, ``GetPackageVersionAsset``)
as EventBridge delivers them, validated at the edge.

What AWS documents and what is assumed is in docs/usage.md: the record's field names are
not confirmed by an AWS sample, so every field used is validated (a failure names it by its
JSON path), extra fields are ignored, and the API-call spelling of the parameters
(``domain``, ``repository``, ``format``, ``namespace``, ``package``) is accepted beside the
package-manager one (``domainName`` …). A read without ``packageVersion`` (npm packument,
PyPI simple index, maven-metadata.xml) is a metadata read: valid, but no version's download.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AliasChoices, AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from ca_lifecycle.events import PackageFormat
from ca_lifecycle.facts import PackageRef

CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail"
EVENT_SOURCE = "codeartifact.amazonaws.com"
READ_EVENT_NAMES: tuple[str, ...] = ("ReadFromRepository", "GetPackageVersionAsset")


class UsageEventError(ValueError):
    """A read event that is not what the model expects; the message names the field."""


class _Loose(BaseModel):
    # CloudTrail adds fields over time: ignore what is not used, validate what is.
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class ReadRequestParameters(_Loose):
    domain_name: str = Field(
        pattern=r"^[a-z][a-z0-9-]{0,48}[a-z0-9]$", validation_alias=AliasChoices("domainName", "domain")
    )
    domain_owner: str | None = Field(
        default=None, pattern=r"^[0-9]{12}$", validation_alias=AliasChoices("domainOwner")
    )
    repository_name: str = Field(min_length=1, validation_alias=AliasChoices("repositoryName", "repository"))
    package_format: PackageFormat = Field(validation_alias=AliasChoices("packageFormat", "format"))
    package_namespace: str | None = Field(
        default=None, validation_alias=AliasChoices("packageNamespace", "namespace")
    )
    package_name: str | None = Field(
        default=None, min_length=1, validation_alias=AliasChoices("packageName", "package")
    )
    package_version: str | None = Field(default=None, validation_alias=AliasChoices("packageVersion"))


class UserIdentity(_Loose):
    arn: str | None = None
    principal_id: str | None = Field(default=None, validation_alias=AliasChoices("principalId"))


class ReadDetail(_Loose):
    event_source: Literal["codeartifact.amazonaws.com"] = Field(validation_alias=AliasChoices("eventSource"))
    event_name: Literal["ReadFromRepository", "GetPackageVersionAsset"] = Field(
        validation_alias=AliasChoices("eventName")
    )
    event_time: AwareDatetime = Field(validation_alias=AliasChoices("eventTime"))
    event_id: str = Field(min_length=1, validation_alias=AliasChoices("eventID"))
    user_identity: UserIdentity = Field(
        default_factory=UserIdentity, validation_alias=AliasChoices("userIdentity")
    )
    user_agent: str | None = Field(default=None, validation_alias=AliasChoices("userAgent"))
    request_parameters: ReadRequestParameters = Field(validation_alias=AliasChoices("requestParameters"))


class ReadEvent(_Loose):
    source: Literal["aws.codeartifact"]
    detail_type: Literal["AWS API Call via CloudTrail"] = Field(validation_alias=AliasChoices("detail-type"))
    detail: ReadDetail


@dataclass(frozen=True, slots=True)
class PackageRead:
    """One read of one package version (a download), or of a package's metadata (version None)."""

    package: PackageRef
    version: str | None
    at: datetime  # UTC
    event_id: str
    principal_arn: str | None
    principal_id: str | None
    user_agent: str | None

    @property
    def is_metadata(self) -> bool:
        return self.version is None


def _message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error["loc"]) or "(event)"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def parse_read(data: Any) -> PackageRead:
    """Validate one EventBridge event dict; raise ``UsageEventError`` naming the bad field."""
    try:
        event = ReadEvent.model_validate(data)
    except ValidationError as exc:
        raise UsageEventError(_message(exc)) from None
    detail = event.detail
    params = detail.request_parameters
    if params.package_name is None:
        if params.package_version:
            raise UsageEventError("detail.requestParameters.packageName: required with a packageVersion")
        name = ""
    else:
        name = params.package_name
    package = PackageRef(
        domain=params.domain_name,
        repository=params.repository_name,
        format=params.package_format,
        namespace=params.package_namespace or None,
        name=name,
        domain_owner=params.domain_owner,
    )
    return PackageRead(
        package=package,
        version=params.package_version or None,
        at=detail.event_time.astimezone(UTC),
        event_id=detail.event_id,
        principal_arn=detail.user_identity.arn,
        principal_id=detail.user_identity.principal_id,
        user_agent=detail.user_agent,
    )
