"""CodeArtifact's rest-json protocol, driven entirely by botocore's service model.

The model (``botocore/data/codeartifact/*/service-2.json``) is the contract boto3 enforces on
the client side, so routing, request parsing, validation and response serialization all read
it instead of hand-written tables: whatever boto3 sends is understood, whatever we answer
parses, and a model update needs no code change here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import parse_qs, unquote

import botocore.session
from botocore.model import ListShape, OperationModel, ServiceModel, Shape, StructureShape

from ca_emulator.errors import ApiError, UnknownOperationError, ValidationError

_LABEL = re.compile(r"\{([^}]+?)\+?\}")


@cache
def service_model() -> ServiceModel:
    """Load the CodeArtifact model once per process (it is a few hundred KB of JSON)."""
    return botocore.session.get_session().get_service_model("codeartifact")


@dataclass(frozen=True)
class Route:
    operation: OperationModel
    method: str
    path_regex: re.Pattern[str]
    labels: tuple[str, ...]
    # Fixed query keys of the requestUri (``/x?foo`` or ``/x?foo=bar``) that must be present.
    fixed_query: tuple[tuple[str, str | None], ...]

    def match(self, method: str, path: str, query: Mapping[str, list[str]]) -> dict[str, str] | None:
        if method != self.method:
            return None
        m = self.path_regex.fullmatch(path)
        if m is None:
            return None
        for key, value in self.fixed_query:
            if key not in query or (value is not None and value not in query[key]):
                return None
        return {label: unquote(m.group(i + 1)) for i, label in enumerate(self.labels)}


class Router:
    """Maps (method, path, query) to an operation, from each operation's ``http`` block."""

    def __init__(self, model: ServiceModel | None = None) -> None:
        self.model = model or service_model()
        routes = [self._route(self.model.operation_model(name)) for name in self.model.operation_names]
        # More specific routes first: fixed query keys, then fewer labels, then longer literal paths.
        routes.sort(key=lambda r: (-len(r.fixed_query), len(r.labels), -len(r.path_regex.pattern)))
        self.routes = routes

    @staticmethod
    def _route(op: OperationModel) -> Route:
        uri: str = op.http["requestUri"]
        path, _, fixed = uri.partition("?")
        labels: list[str] = []
        pattern = ""
        pos = 0
        for m in _LABEL.finditer(path):
            pattern += re.escape(path[pos : m.start()])
            greedy = m.group(0).endswith("+}")
            pattern += "(.+)" if greedy else "([^/]+)"
            labels.append(m.group(1))
            pos = m.end()
        pattern += re.escape(path[pos:])
        fixed_query: list[tuple[str, str | None]] = []
        for part in filter(None, fixed.split("&")):
            key, eq, value = part.partition("=")
            fixed_query.append((key, value if eq else None))
        return Route(op, op.http["method"], re.compile(pattern), tuple(labels), tuple(fixed_query))

    def resolve(
        self, method: str, path: str, query: Mapping[str, list[str]]
    ) -> tuple[OperationModel, dict[str, str]]:
        for route in self.routes:
            labels = route.match(method, path, query)
            if labels is not None:
                return route.operation, labels
        raise UnknownOperationError(f"No CodeArtifact operation matches {method} {path}")


# --- request parsing and validation -------------------------------------------------------


def parse_request(
    op: OperationModel,
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
    body: bytes,
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Turn an HTTP request into the operation's input parameters, validated against the model."""
    shape = op.input_shape
    if shape is None:
        return {}
    params: dict[str, Any] = {}
    lower_headers = {k.lower(): v for k, v in headers.items()}
    payload_name = shape.serialization.get("payload")
    body_members: dict[str, Shape] = {}
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "querystring":
            if wire in query:
                params[name] = _from_text(member, query[wire], name)
        elif location == "header":
            if wire.lower() in lower_headers:
                params[name] = _from_text(member, [lower_headers[wire.lower()]], name)
        elif location == "uri":
            if labels and wire in labels:
                params[name] = _from_text(member, [labels[wire]], name)
        elif name == payload_name:
            if member.type_name == "blob":
                params[name] = body
            elif body:
                params[name] = _json(body)
        else:
            body_members[wire] = member
    if body_members and payload_name is None and body:
        document = _json(body)
        if not isinstance(document, dict):
            raise ValidationError("The request body must be a JSON object")
        by_wire = {
            wire: name for name, m in shape.members.items() for wire in [m.serialization.get("name", name)]
        }
        for wire, value in document.items():
            if wire in body_members:
                params[by_wire[wire]] = value
    problems: list[str] = []
    _validate(shape, params, "", problems)
    if problems:
        count = len(problems)
        noun = "error" if count == 1 else "errors"
        raise ValidationError(f"{count} validation {noun} detected: " + "; ".join(problems))
    return params


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise ValidationError(f"The request body is not valid JSON: {exc}") from exc


def _from_text(shape: Shape, values: list[str], name: str) -> Any:
    """Convert query-string or header text to the member's type (lists keep every value)."""
    if isinstance(shape, ListShape):
        return [_from_text(shape.member, [v], name) for v in values]
    text = values[-1]
    if shape.type_name in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            raise ValidationError(
                f"1 validation error detected: Value '{text}' at '{name}' failed to satisfy constraint: "
                "Member must be a number"
            ) from None
    if shape.type_name == "boolean":
        if text.lower() not in ("true", "false"):
            raise ValidationError(
                f"1 validation error detected: Value '{text}' at '{name}' failed to satisfy constraint: "
                "Member must be true or false"
            )
        return text.lower() == "true"
    return text


@cache
def _pattern(regex: str) -> re.Pattern[str] | None:
    # Some model patterns use Java/ICU classes (``\P{C}``) that Python's re lacks: skip those.
    try:
        return re.compile(regex)
    except re.error:
        return None


def _validate(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    """Check required members, types, enums, lengths, ranges and patterns like the service does."""
    kind = shape.type_name
    meta = shape.metadata
    where = path or shape.name

    def fail(constraint: str) -> None:
        shown = value if not isinstance(value, bytes | list | dict) else "…"
        problems.append(f"Value '{shown}' at '{where}' failed to satisfy constraint: {constraint}")

    if kind == "structure":
        if not isinstance(value, dict):
            fail("Member must be a structure")
            return
        assert isinstance(shape, StructureShape)
        for name in shape.required_members:
            if value.get(name) is None:
                where_missing = _join(path, name)
                problems.append(
                    f"Value null at '{where_missing}' failed to satisfy constraint: Member must not be null"
                )
        for name, member_value in value.items():
            member = shape.members.get(name)
            if member is not None and member_value is not None:
                _validate(member, member_value, _join(path, name), problems)
    elif kind == "list":
        if not isinstance(value, list):
            fail("Member must be a list")
            return
        _check_range(len(value), meta, fail, "length")
        for i, item in enumerate(value):
            _validate(shape.member, item, f"{where}.{i + 1}.member", problems)  # type: ignore[attr-defined]
    elif kind == "map":
        if not isinstance(value, dict):
            fail("Member must be a map")
            return
        _check_range(len(value), meta, fail, "length")
        for key, item in value.items():
            _validate(shape.key, key, f"{where}.key", problems)  # type: ignore[attr-defined]
            _validate(shape.value, item, f"{where}.{key}", problems)  # type: ignore[attr-defined]
    elif kind == "string":
        if not isinstance(value, str):
            fail("Member must be a string")
            return
        enum = meta.get("enum")
        if enum and value not in enum:
            fail(f"Member must satisfy enum value set: [{', '.join(enum)}]")
            return
        _check_range(len(value), meta, fail, "length")
        regex = meta.get("pattern")
        compiled = _pattern(regex) if regex else None
        if compiled is not None and value and compiled.fullmatch(value) is None:
            fail(f"Member must satisfy regular expression pattern: {regex}")
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            fail("Member must be a number")
            return
        _check_range(value, meta, fail, "value")
    elif kind == "boolean":
        if not isinstance(value, bool):
            fail("Member must be a boolean")
    elif kind == "blob" and not isinstance(value, bytes | str):
        fail("Member must be a blob")


def _check_range(n: int, meta: Mapping[str, Any], fail: Any, what: str) -> None:
    low, high = meta.get("min"), meta.get("max")
    if low is not None and n < low:
        noun = (
            "have length greater than or equal to"
            if what == "length"
            else "have value greater than or equal to"
        )
        fail(f"Member must {noun} {low}")
    elif high is not None and n > high:
        noun = "have length less than or equal to" if what == "length" else "have value less than or equal to"
        fail(f"Member must {noun} {high}")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def validate_value(shape_name: str, value: Any, field: str) -> str | None:
    """Validate one value against a named model shape; return a problem message or None."""
    problems: list[str] = []
    _validate(service_model().shape_for(shape_name), value, field, problems)
    return problems[0] if problems else None


# --- response serialization ---------------------------------------------------------------


def serialize_response(op: OperationModel, result: Mapping[str, Any]) -> tuple[dict[str, str], bytes]:
    """Serialize an operation result: only members of the output shape, rest-json conventions."""
    shape = op.output_shape
    headers: dict[str, str] = {"Content-Type": "application/json"}
    if shape is None:
        return headers, b"{}"
    payload_name = shape.serialization.get("payload")
    if payload_name is not None and shape.members[payload_name].type_name == "blob":
        # A raw body (GetPackageVersionAsset's file), the other members as headers.
        headers = {"Content-Type": "application/octet-stream"}
        for name, member in shape.members.items():
            if name != payload_name and result.get(name) is not None:
                headers[member.serialization.get("name", name)] = str(result[name])
        return headers, bytes(result[payload_name])
    body: dict[str, Any] = {}
    for name, member in shape.members.items():
        value = result.get(name)
        if value is None:
            continue
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "header":
            headers[wire] = str(_to_wire(member, value, name))
        elif location in ("querystring", "uri", "statusCode"):
            continue
        else:
            body[wire] = _to_wire(member, value, name)
    assert isinstance(shape, StructureShape)
    missing = [name for name in shape.required_members if name not in body]
    if missing:
        raise ValueError(f"{op.name} response misses required members {missing}")
    return headers, json.dumps(body, separators=(",", ":")).encode()


def _to_wire(shape: Shape, value: Any, path: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        out = {}
        for name, member in shape.members.items():
            if value.get(name) is not None:
                out[member.serialization.get("name", name)] = _to_wire(member, value[name], f"{path}.{name}")
        missing = [name for name in shape.required_members if name not in out]
        if missing:
            raise ValueError(f"response member {path} misses required members {missing}")
        return out
    if kind == "list":
        return [_to_wire(shape.member, item, path) for item in value]  # type: ignore[attr-defined]
    if kind == "map":
        return {k: _to_wire(shape.value, v, f"{path}.{k}") for k, v in value.items()}  # type: ignore[attr-defined]
    if kind == "timestamp":
        # rest-json bodies default to epoch seconds (a JSON number) for timestamps.
        if isinstance(value, datetime):
            stamp = value if value.tzinfo else value.replace(tzinfo=UTC)
            return stamp.timestamp()
        return value
    if kind == "string":
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            raise ValueError(f"response member {path}={value!r} is not one of {enum}")
        return str(value)
    return value


def serialize_error(error: ApiError) -> tuple[int, dict[str, str], bytes]:
    """An error in the shape botocore maps to ``client.exceptions.<code>``."""
    headers = {"Content-Type": "application/json", "x-amzn-ErrorType": error.code}
    body: dict[str, Any] = {"message": error.message}
    try:
        shape: StructureShape | None = service_model().shape_for(error.code)  # type: ignore[assignment]
    except Exception:  # an unmodeled code (unknown operation): message only
        shape = None
    if shape is not None:
        for name, member in shape.members.items():
            if name not in error.members:
                continue
            if member.serialization.get("location") == "header":
                headers[member.serialization.get("name", name)] = str(error.members[name])
            else:
                body[member.serialization.get("name", name)] = error.members[name]
    return error.status, headers, json.dumps(body).encode()


def parse_query(raw: str) -> dict[str, list[str]]:
    return parse_qs(raw, keep_blank_values=True)
