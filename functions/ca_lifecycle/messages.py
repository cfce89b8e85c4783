"""Bodies of the work queue: CodeArtifact events and the sweep's work items.

One queue carries three shapes (docs/decisions.md, "One queue"): the EventBridge event
itself, ``{"kind": "package", ...}`` and ``{"kind": "repository-page", ...}``. ``parse_work_message``
is the only way in; it raises ``InvalidMessage`` naming the offending field.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    ValidationError,
    model_serializer,
)

from ca_lifecycle.events import DOCUMENTED_STATES, SOURCE, CodeArtifactEvent, OperationType, PackageFormat
from ca_lifecycle.facts import OriginConfig, PackageRef, Restriction

NonEmpty = Annotated[str, Field(min_length=1)]


class _WorkItem(BaseModel):
    # We produce these ourselves, so anything unexpected is a bug worth failing on.
    model_config = ConfigDict(extra="forbid", frozen=True)


class OriginItem(_WorkItem):
    """A package's origin configuration as ListPackages returned it."""

    publish: Literal["ALLOW", "BLOCK"]
    upstream: Literal["ALLOW", "BLOCK"]


class PackageWorkItem(_WorkItem):
    """Evaluate one package (enqueued by a repository page of the sweep).

    ``origin``: the origin configuration the page listed, so the evaluation needs no
    DescribePackage (an unchanged package then costs one ListPackageVersions call). Absent in
    items enqueued before it existed, or when the listing had none: the worker reads it then.
    """

    kind: Literal["package"] = "package"
    domain: NonEmpty
    domain_owner: str | None
    repository: NonEmpty
    format: NonEmpty
    namespace: str | None
    name: NonEmpty
    reason: Literal["sweep"] = "sweep"
    origin: OriginItem | None = None

    @classmethod
    def for_package(cls, package: PackageRef, origin: OriginConfig | None = None) -> PackageWorkItem:
        return cls(
            domain=package.domain,
            domain_owner=package.domain_owner,
            repository=package.repository,
            format=package.format,
            namespace=package.namespace,
            name=package.name,
            origin=None
            if origin is None
            else OriginItem(publish=origin.publish.value, upstream=origin.upstream.value),
        )

    @model_serializer(mode="wrap")
    def _without_unknown_origin(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        # No "origin": null key: a body without an origin stays exactly what workers deployed
        # before this field existed accept (their model forbids unknown keys).
        data: dict[str, object] = handler(self)
        if data.get("origin") is None:
            data.pop("origin", None)
        return data

    def known_origin(self) -> OriginConfig | None:
        if self.origin is None:
            return None
        return OriginConfig(
            publish=Restriction(self.origin.publish), upstream=Restriction(self.origin.upstream)
        )

    def package_ref(self) -> PackageRef:
        return PackageRef(
            domain=self.domain,
            repository=self.repository,
            format=self.format,
            namespace=self.namespace,
            name=self.name,
            domain_owner=self.domain_owner,
        )


class RepositoryPageItem(_WorkItem):
    """List one page of ListPackages in a repository; the next page travels as another item."""

    kind: Literal["repository-page"] = "repository-page"
    domain: NonEmpty
    domain_owner: str | None
    repository: NonEmpty
    next_token: str | None = None
    # Only packages whose origin configuration is publish=ALLOW, upstream=ALLOW (ListPackages filters).
    unlocked_only: bool = False
    # Pages listed before this one. The worker feeds its own queue (the infra allows that
    # recursion), so a listing that never ends must stop by itself: see MAX_REPOSITORY_PAGES.
    page: int = Field(default=0, ge=0)


# 10,000 pages of 1,000 packages: ten million packages in one repository, far beyond any real
# one; past it the chain is a pagination bug, and it stops in the DLQ instead of looping.
MAX_REPOSITORY_PAGES = 10_000


class SweepRequest(BaseModel):
    """The sweep function's input; a Scheduler or EventBridge envelope is tolerated around it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: Literal["sweep"] = "sweep"
    unlocked_only: bool = False


WorkItem = Annotated[PackageWorkItem | RepositoryPageItem, Field(discriminator="kind")]
WorkMessage = CodeArtifactEvent | PackageWorkItem | RepositoryPageItem

_WORK_ITEM: TypeAdapter[PackageWorkItem | RepositoryPageItem] = TypeAdapter(WorkItem)
_KINDS = ("package", "repository-page")


class InvalidMessage(ValueError):  # noqa: N818 - the name is the shared contract
    """A queue body we cannot act on. ``field`` is a dotted path (``detail.packageName``) or ``body``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _first_error(error: ValidationError, *, strip_tag: bool) -> InvalidMessage:
    details = error.errors(include_url=False)
    first = details[0]
    loc = list(first["loc"])
    if strip_tag and loc and loc[0] in _KINDS:
        loc = loc[1:]  # the discriminated union prefixes the tag; it is not a field
    field = ".".join(str(part) for part in loc) or "detail"
    message = first["msg"]
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        field, message = "kind", f"must be one of {list(_KINDS)}"
    more = f" (and {len(details) - 1} more error(s))" if len(details) > 1 else ""
    return InvalidMessage(field, f"{message}{more}")


class UnsupportedEvent(Exception):  # noqa: N818 - not an error: a kind of event we leave alone
    """A well-formed CodeArtifact event of a format, state or operation this release does not
    know (AWS adds them): counted and dropped, never retried into the DLQ."""

    def __init__(self, field: str, value: object) -> None:
        super().__init__(f"{field}: {value!r} is not handled by this release")
        self.field = field
        self.value = value


_FORMATS = frozenset(get_args(PackageFormat))
_OPERATIONS = frozenset(get_args(OperationType))


def _unsupported(data: dict[str, Any]) -> UnsupportedEvent | None:
    detail = data.get("detail")
    if data.get("source") != SOURCE or not isinstance(detail, dict):
        return None
    fmt, operation = detail.get("packageFormat"), detail.get("operationType")
    if isinstance(fmt, str) and fmt and fmt not in _FORMATS:
        return UnsupportedEvent("detail.packageFormat", fmt)
    if isinstance(operation, str) and operation and operation not in _OPERATIONS:
        return UnsupportedEvent("detail.operationType", operation)
    state = detail.get("packageVersionState")
    if (
        operation in ("Created", "Updated")
        and isinstance(state, str)
        and state
        and state not in DOCUMENTED_STATES
    ):
        return UnsupportedEvent("detail.packageVersionState", state)
    return None


def parse_work_message(body: str) -> WorkMessage:
    """Parse one SQS body into an event or a work item; raise ``InvalidMessage`` naming the
    bad field, or ``UnsupportedEvent`` for a valid event of a kind this release leaves alone."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, TypeError) as exc:
        raise InvalidMessage("body", f"not JSON: {exc}") from exc
    except RecursionError:
        # A body nested deeper than the decoder's limit: uncaught, it would crash the whole
        # batch (and re-drive every record of it to the DLQ) instead of failing alone.
        raise InvalidMessage("body", "nested too deeply to decode") from None
    if not isinstance(data, dict):
        raise InvalidMessage("body", f"expected a JSON object, got {type(data).__name__}")
    if "kind" in data:
        try:
            return _WORK_ITEM.validate_python(data)
        except ValidationError as exc:
            raise _first_error(exc, strip_tag=True) from exc
    if "detail-type" in data or "source" in data or "detail" in data:
        unsupported = _unsupported(data)
        if unsupported is not None:
            raise unsupported
        try:
            return CodeArtifactEvent.model_validate(data)
        except ValidationError as exc:
            raise _first_error(exc, strip_tag=False) from exc
    raise InvalidMessage("kind", "missing: the body is neither a work item nor an EventBridge event")
