"""CodeArtifact's modeled errors as Python exceptions.

Each carries the wire name botocore maps to ``client.exceptions.<Name>``, the HTTP status the
service model assigns it, and the extra body/header members that shape declares
(``resourceId``/``resourceType``, ``reason``, ``retryAfterSeconds``).
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answered to the client in CodeArtifact's rest-json error shape."""

    code = "InternalServerException"
    status = 500

    def __init__(self, message: str, **members: Any) -> None:
        super().__init__(message)
        self.message = message
        # Only non-None members reach the wire; the serializer drops names the shape lacks.
        self.members = {k: v for k, v in members.items() if v is not None}


class ValidationError(ApiError):
    code = "ValidationException"
    status = 400


class AccessDeniedError(ApiError):
    code = "AccessDeniedException"
    status = 403


class NotFoundError(ApiError):
    code = "ResourceNotFoundException"
    status = 404

    def __init__(self, message: str, resource_type: str | None, resource_id: str) -> None:
        # resource_type None: the model's ResourceType enum has no value for it (package groups).
        super().__init__(message, resourceType=resource_type, resourceId=resource_id)


class ConflictError(ApiError):
    code = "ConflictException"
    status = 409

    def __init__(
        self, message: str, resource_type: str | None = None, resource_id: str | None = None
    ) -> None:
        super().__init__(message, resourceType=resource_type, resourceId=resource_id)


class ThrottlingError(ApiError):
    code = "ThrottlingException"
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, retryAfterSeconds=retry_after)


class InternalError(ApiError):
    code = "InternalServerException"
    status = 500


class UnknownOperationError(ApiError):
    """No operation of the model matches the method and path (not a modeled shape)."""

    code = "UnknownOperationException"
    status = 404
