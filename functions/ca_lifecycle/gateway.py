"""The one module that talks to CodeArtifact.

Everything else sees facts (``VersionFact``, ``OriginConfig``) and a small exception
hierarchy (``GatewayError``); no other module imports botocore's error types or builds a
CodeArtifact request. The boto3 client is created lazily on first use (so moto, the emulator
endpoint and test clients are in place by then) and can be injected.

Retries: botocore's adaptive mode retries throttling and 5xx with a client-side rate limiter.
Recent botocore reads only the ``x-amz-retry-after`` header (milliseconds, capped at jitter +
5 s), older releases (such as the one a Lambda runtime may bundle) read none, while
CodeArtifact's ThrottlingException carries ``Retry-After`` (seconds). So the gateway honours it
itself, whatever the botocore version: a response hook notes the earliest time the server will
take another request, and a ``before-send`` hook waits out whatever of that botocore's own
backoff did not (up to ``MAX_RETRY_AFTER`` seconds).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from ca_lifecycle.facts import OriginConfig, OriginType, PackageRef, Restriction, Status, VersionFact

if TYPE_CHECKING:
    from mypy_boto3_codeartifact import CodeArtifactClient

PAGE_SIZE = 1000  # the API maximum for every list operation we use
WRITE_CHUNK = 100  # the API maximum of versions per UpdatePackageVersionsStatus / DisposePackageVersions
RETRY_CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 8})

# failedVersions codes meaning "someone else changed this version since we listed it".
MISMATCH_CODES = frozenset({"MISMATCHED_STATUS", "MISMATCHED_REVISION"})
SKIPPED = "SKIPPED"

# --------------------------------------------------------------------------------------- errors


class GatewayError(Exception):
    """A CodeArtifact call failed; ``str(err)`` is one line fit for a CLI or a log."""

    def __init__(self, code: str, operation: str, message: str) -> None:
        # botocore's texts may span lines (ParamValidationError lists one problem per line).
        message = " ".join(message.split())
        super().__init__(f"{operation}: {code}: {message}")
        self.code = code
        self.operation = operation
        self.message = message


class NotFound(GatewayError):  # noqa: N818 - short names, as the CLI's messages say them
    pass


class AccessDenied(GatewayError):  # noqa: N818 - short names, as the CLI's messages say them
    def __init__(self, code: str, operation: str, message: str) -> None:
        # Name the IAM action: CodeArtifact action names equal operation names.
        super().__init__(code, operation, f"missing permission codeartifact:{operation} ({message})")


class Throttled(GatewayError):  # noqa: N818 - short names, as the CLI's messages say them
    pass


class Unreachable(GatewayError):  # noqa: N818 - short names, as the CLI's messages say them
    pass


class NoCredentials(GatewayError):  # noqa: N818 - short names, as the CLI's messages say them
    pass


class InvalidResponse(GatewayError):  # noqa: N818 - short names, as the CLI's messages say them
    """The API answered something we cannot interpret (unknown enum value, missing field)."""


_ERROR_CLASSES: dict[str, type[GatewayError]] = {
    "ResourceNotFoundException": NotFound,
    "AccessDeniedException": AccessDenied,
    "ThrottlingException": Throttled,
    "TooManyRequestsException": Throttled,
}


def _translate(operation: str, exc: Exception) -> GatewayError:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "Unknown")
        message = str(error.get("Message") or exc)
        return _ERROR_CLASSES.get(code, GatewayError)(code, operation, message)
    if isinstance(
        exc, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError | ConnectionClosedError
    ):
        return Unreachable("Unreachable", operation, str(exc))
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return NoCredentials("NoCredentials", operation, str(exc))
    return GatewayError(type(exc).__name__, operation, str(exc))


# --------------------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class PackageSummary:
    """One ListPackages entry: the package and its origin configuration as listed."""

    package: PackageRef
    origin: OriginConfig | None


class VersionListing(list[VersionFact]):
    """``ListPackageVersions``' versions, newest publish first, and what the pages say besides."""

    default_version: str | None = None  # defaultDisplayVersion: what a plain install resolves


@dataclass(slots=True)
class WriteResult:
    """Per-version outcome of a batch write, after the one retry of SKIPPED versions."""

    succeeded: dict[str, Status] = field(default_factory=dict)
    failed: dict[str, tuple[str, str]] = field(default_factory=dict)  # version -> (errorCode, message)

    @property
    def mismatched(self) -> dict[str, tuple[str, str]]:
        """Versions changed concurrently since the listing: the caller resyncs, never retries."""
        return {v: err for v, err in self.failed.items() if err[0] in MISMATCH_CODES}


def _enum(enum_type: type[Any], value: object, operation: str, field_name: str) -> Any:
    """Convert an API string into our enum, or fail naming the field (never a bare ValueError)."""
    try:
        return enum_type(value)
    except ValueError:
        raise InvalidResponse(
            "InvalidResponse", operation, f"{field_name}: unexpected value {value!r}"
        ) from None


def _origin_from(raw: Mapping[str, Any] | None, operation: str, where: str) -> OriginConfig | None:
    restrictions = (raw or {}).get("restrictions")
    if not restrictions:
        return None
    return OriginConfig(
        publish=_enum(Restriction, restrictions.get("publish"), operation, f"{where}.restrictions.publish"),
        upstream=_enum(
            Restriction, restrictions.get("upstream"), operation, f"{where}.restrictions.upstream"
        ),
    )


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _next_token(token: object, params: Mapping[str, Any], operation: str) -> str:
    """The next page's token; the one just used again would page forever (until a timeout)."""
    if not isinstance(token, str) or token == params.get("nextToken"):
        raise InvalidResponse("InvalidResponse", operation, f"nextToken: repeated or invalid ({token!r})")
    return token


MAX_RETRY_AFTER = 20.0  # seconds; botocore's own backoff ceiling, well inside a Lambda's timeout


class _RetryAfter:
    """Makes every request wait until the instant the last ``Retry-After`` named."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.not_before = 0.0  # an instant of ``clock``

    def on_response(self, response_dict: dict[str, Any], **_: Any) -> None:
        value = (response_dict.get("headers") or {}).get("Retry-After")
        try:
            seconds = float(str(value))
        except ValueError:
            return  # absent, or an HTTP-date: botocore's own backoff stays in charge
        if math.isfinite(seconds) and seconds > 0:
            self.not_before = max(self.not_before, self.clock() + min(seconds, MAX_RETRY_AFTER))

    def before_send(self, **_: Any) -> None:
        wait = self.not_before - self.clock()
        if wait > 0:
            self.sleep(wait)


# --------------------------------------------------------------------------------------- gateway


class Gateway(Protocol):
    """What the application layer needs of CodeArtifact; ``CodeArtifactGateway`` is the real one,
    and test fakes implement this (typed, no ``type: ignore``)."""

    def list_repositories(self, domain: str, owner: str | None) -> list[str]: ...

    def list_packages_page(
        self,
        domain: str,
        owner: str | None,
        repository: str,
        next_token: str | None,
        *,
        publish: Restriction | None = None,
        upstream: Restriction | None = None,
    ) -> tuple[list[PackageSummary], str | None]: ...

    def list_versions(self, package: PackageRef) -> VersionListing: ...

    def describe_published(self, package: PackageRef, version: str) -> datetime: ...

    def describe_origin(self, package: PackageRef) -> OriginConfig | None: ...

    def update_status(
        self, package: PackageRef, versions: Mapping[str, str], expected: Status, target: Status
    ) -> WriteResult: ...

    def dispose(self, package: PackageRef, versions: Mapping[str, str], expected: Status) -> WriteResult: ...

    def put_origin(self, package: PackageRef, config: OriginConfig) -> None: ...


class CodeArtifactGateway:
    def __init__(
        self,
        client: CodeArtifactClient | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``clock``/``sleep``: the monotonic clock and the wait the Retry-After hook uses."""
        self._client = client
        self._clock = clock
        self._sleep = sleep
        if client is not None:
            self._install_hooks(client)

    @property
    def client(self) -> CodeArtifactClient:
        if self._client is None:
            import boto3  # lazily: the Lambda cold start and the CLI's --help don't pay for it

            # AWS_ENDPOINT_URL_CODEARTIFACT is honoured by boto3 itself (emulator, tests).
            self._client = boto3.client("codeartifact", config=RETRY_CONFIG)
            self._install_hooks(self._client)
        return self._client

    def _install_hooks(self, client: CodeArtifactClient) -> None:
        self._retry_after = _RetryAfter(self._clock, self._sleep)
        client.meta.events.register(
            "before-parse.codeartifact", self._retry_after.on_response, unique_id="ca-lifecycle-retry-after"
        )
        client.meta.events.register(
            "before-send.codeartifact", self._retry_after.before_send, unique_id="ca-lifecycle-retry-wait"
        )

    def _call(self, operation: str, method: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self.client, method)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise _translate(operation, exc) from exc
        return response

    @staticmethod
    def _package_params(package: PackageRef) -> dict[str, str]:
        params = {
            "domain": package.domain,
            "repository": package.repository,
            "format": package.format,
            "package": package.name,
        }
        if package.domain_owner:
            params["domainOwner"] = package.domain_owner
        if package.namespace:
            params["namespace"] = package.namespace
        return params

    # ---------------------------------------------------------------------------------- reads

    def list_repositories(self, domain: str, owner: str | None) -> list[str]:
        names: list[str] = []
        params: dict[str, Any] = {"domain": domain, "maxResults": PAGE_SIZE}
        if owner:
            params["domainOwner"] = owner
        while True:
            page = self._call("ListRepositoriesInDomain", "list_repositories_in_domain", **params)
            for i, repo in enumerate(page.get("repositories", [])):
                name = repo.get("name")
                if not isinstance(name, str):
                    raise InvalidResponse(
                        "InvalidResponse", "ListRepositoriesInDomain", f"repositories[{i}].name: missing"
                    )
                names.append(name)
            token = page.get("nextToken")
            if not token:
                return names
            params["nextToken"] = _next_token(token, params, "ListRepositoriesInDomain")

    def list_packages_page(
        self,
        domain: str,
        owner: str | None,
        repository: str,
        next_token: str | None,
        *,
        publish: Restriction | None = None,
        upstream: Restriction | None = None,
    ) -> tuple[list[PackageSummary], str | None]:
        """One page of ListPackages; ``publish``/``upstream`` filter on origin restrictions."""
        op = "ListPackages"
        params: dict[str, Any] = {"domain": domain, "repository": repository, "maxResults": PAGE_SIZE}
        if owner:
            params["domainOwner"] = owner
        if next_token:
            params["nextToken"] = next_token
        if publish is not None:
            params["publish"] = publish.value
        if upstream is not None:
            params["upstream"] = upstream.value
        page = self._call(op, "list_packages", **params)
        summaries: list[PackageSummary] = []
        for i, raw in enumerate(page.get("packages", [])):
            fmt, name = raw.get("format"), raw.get("package")
            if not isinstance(fmt, str) or not isinstance(name, str):
                raise InvalidResponse("InvalidResponse", op, f"packages[{i}]: missing format or package")
            ref = PackageRef(domain, repository, fmt, raw.get("namespace") or None, name, owner or None)
            summaries.append(
                PackageSummary(ref, _origin_from(raw.get("originConfiguration"), op, f"packages[{i}]"))
            )
        token = page.get("nextToken") or None
        # Each page travels as a queue message: a repeated token would re-enqueue itself forever.
        return summaries, None if token is None else _next_token(token, params, op)

    def list_versions(self, package: PackageRef) -> VersionListing:
        """Every version in every status, newest publish first; ``publish_order`` is the list
        position; ``default_version`` the package's defaultDisplayVersion (same on every page)."""
        op = "ListPackageVersions"
        params: dict[str, Any] = {
            **self._package_params(package),
            "sortBy": "PUBLISHED_TIME",
            "maxResults": PAGE_SIZE,
        }
        facts = VersionListing()
        while True:
            page = self._call(op, "list_package_versions", **params)
            default = page.get("defaultDisplayVersion")
            if isinstance(default, str) and default:
                facts.default_version = default
            for raw in page.get("versions", []):
                where = f"versions[{len(facts)}]"
                version = raw.get("version")
                if not isinstance(version, str):
                    raise InvalidResponse("InvalidResponse", op, f"{where}.version: missing")
                origin_type = (raw.get("origin") or {}).get("originType") or OriginType.UNKNOWN.value
                facts.append(
                    VersionFact(
                        version=version,
                        status=_enum(Status, raw.get("status"), op, f"{where}.status"),
                        revision=raw.get("revision"),
                        origin_type=_enum(OriginType, origin_type, op, f"{where}.origin.originType"),
                        publish_order=len(facts),
                    )
                )
            token = page.get("nextToken")
            if not token:
                return facts
            params["nextToken"] = _next_token(token, params, op)

    def describe_published(self, package: PackageRef, version: str) -> datetime:
        op = "DescribePackageVersion"
        response = self._call(
            op, "describe_package_version", **self._package_params(package), packageVersion=version
        )
        published = (response.get("packageVersion") or {}).get("publishedTime")
        if not isinstance(published, datetime):
            raise InvalidResponse("InvalidResponse", op, "packageVersion.publishedTime: missing")
        # botocore returns tz-aware datetimes; normalise to UTC for the engine's comparisons.
        return published.astimezone(UTC) if published.tzinfo else published.replace(tzinfo=UTC)

    def version_asset_bytes(self, package: PackageRef, version: str) -> int:
        """The summed ``size`` of a version's assets: what disposing it stops billing.

        A version gone since it was listed (NotFound) holds no billed bytes: 0, not an error, so
        one concurrent delete does not abort a whole plan. An asset without ``size`` counts 0.
        """
        op = "ListPackageVersionAssets"
        params: dict[str, Any] = {
            **self._package_params(package),
            "packageVersion": version,
            "maxResults": PAGE_SIZE,
        }
        total = 0
        while True:
            try:
                page = self._call(op, "list_package_version_assets", **params)
            except NotFound:
                return 0
            for i, asset in enumerate(page.get("assets", [])):
                size = asset.get("size", 0)
                if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                    raise InvalidResponse(
                        "InvalidResponse", op, f"assets[{i}].size: unexpected value {size!r}"
                    )
                total += size
            token = page.get("nextToken")
            if not token:
                return total
            params["nextToken"] = _next_token(token, params, op)

    def domain_asset_bytes(self, domain: str, owner: str | None) -> int:
        """DescribeDomain.assetSizeBytes: the domain's stored bytes, each asset counted once.

        Measured before and after a run, its change is what the run really freed; the sum of the
        disposed versions' asset sizes is only an upper bound (an asset another version or
        repository still references stays stored).
        """
        op = "DescribeDomain"
        params: dict[str, Any] = {"domain": domain}
        if owner:
            params["domainOwner"] = owner
        size = (self._call(op, "describe_domain", **params).get("domain") or {}).get("assetSizeBytes")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise InvalidResponse("InvalidResponse", op, f"domain.assetSizeBytes: unexpected value {size!r}")
        return size

    def describe_origin(self, package: PackageRef) -> OriginConfig | None:
        """The package's origin restrictions; None when the package (or its configuration) is absent."""
        op = "DescribePackage"
        try:
            response = self._call(op, "describe_package", **self._package_params(package))
        except NotFound:
            return None
        return _origin_from((response.get("package") or {}).get("originConfiguration"), op, "package")

    # --------------------------------------------------------------------------------- writes

    def update_status(
        self, package: PackageRef, versions: Mapping[str, str], expected: Status, target: Status
    ) -> WriteResult:
        return self._write(
            "UpdatePackageVersionsStatus",
            "update_package_versions_status",
            package,
            versions,
            {"expectedStatus": expected.value, "targetStatus": target.value},
        )

    def dispose(self, package: PackageRef, versions: Mapping[str, str], expected: Status) -> WriteResult:
        return self._write(
            "DisposePackageVersions",
            "dispose_package_versions",
            package,
            versions,
            {"expectedStatus": expected.value},
        )

    def put_origin(self, package: PackageRef, config: OriginConfig) -> None:
        self._call(
            "PutPackageOriginConfiguration",
            "put_package_origin_configuration",
            **self._package_params(package),
            restrictions={"publish": config.publish.value, "upstream": config.upstream.value},
        )

    def _write(
        self,
        op: str,
        method: str,
        package: PackageRef,
        versions: Mapping[str, str],
        extra: Mapping[str, str],
    ) -> WriteResult:
        call = _WriteCall(op, method, {**self._package_params(package), **extra}, versions)
        result = WriteResult()
        for chunk in _chunks(sorted(versions), WRITE_CHUNK):
            skipped = self._write_chunk(call, chunk, result)
            # The API is all-or-nothing today: one failure marks the rest SKIPPED. Retry those
            # once on their own; a second SKIPPED is reported like any other failure.
            if skipped:
                for version in skipped:
                    del result.failed[version]
                self._write_chunk(call, skipped, result)
        return result

    def _write_chunk(self, call: _WriteCall, chunk: list[str], result: WriteResult) -> list[str]:
        """Write one chunk into ``result``; return the versions the API answered SKIPPED."""
        op = call.operation
        response = self._call(
            op,
            call.method,
            **call.params,
            versions=chunk,
            versionRevisions={v: call.revisions[v] for v in chunk},
        )
        succeeded = response.get("successfulVersions") or {}
        failed = response.get("failedVersions") or {}
        skipped: list[str] = []
        for version in chunk:
            if version in succeeded:
                status = (succeeded[version] or {}).get("status")
                result.succeeded[version] = _enum(
                    Status, status, op, f"successfulVersions[{version!r}].status"
                )
            elif version in failed:
                code = str((failed[version] or {}).get("errorCode") or "UNKNOWN")
                result.failed[version] = (code, str((failed[version] or {}).get("errorMessage") or ""))
                if code == SKIPPED:
                    skipped.append(version)
            else:
                result.failed[version] = ("MISSING", "neither successful nor failed in the response")
        return skipped


@dataclass(frozen=True, slots=True)
class _WriteCall:
    operation: str
    method: str
    params: Mapping[str, str]  # package coordinates + expected/target status
    revisions: Mapping[str, str]  # version -> revision, from the listing
