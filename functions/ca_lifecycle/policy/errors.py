"""Policy errors as people read them: ``policies[0].archive[1].published_before: message``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ca_lifecycle.policy.model import RULE_ERROR


class PolicyError(ValueError):
    """A policy that cannot be used. ``errors`` holds every problem found, one line each.

    ``source`` (a file name, when loaded from a file) is not repeated in ``errors``; ``str()``
    and :meth:`lines` prefix it.
    """

    def __init__(self, errors: Sequence[str], source: str | None = None) -> None:
        self.errors: list[str] = list(errors)
        self.source = source
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        if self.source is None:
            return list(self.errors)
        return [f"{self.source}: {error}" for error in self.errors]


def join_path(base: str, sub: str) -> str:
    if not sub:
        return base
    if not base or sub.startswith("["):
        return base + sub
    return f"{base}.{sub}"


def format_loc(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.startswith("<"):
            continue  # a union tag (see model.OriginLock), not a key the user wrote
        else:
            path = join_path(path, part)
    return path


_PATTERN_HINTS = {
    "id": "must be a slug of lowercase letters, digits and '-', e.g. npm-libraries",
    "domain": "must be a CodeArtifact domain name: 2-50 lowercase letters, digits or '-', "
    "starting with a letter",
    "domain_owner": "must be a 12-digit AWS account id",
}


def _describe(value: object) -> str:
    return (
        repr(value) if isinstance(value, str | int | float | bool) or value is None else type(value).__name__
    )


def _message(error: ErrorDetails, path: str) -> str:
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    value = error.get("input")
    field = path.rsplit(".", 1)[-1].split("[", 1)[0]
    if kind == "missing":
        return "field required"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "string_type":
        if isinstance(value, int | float | bool):
            return f"must be a string, got {value!r} (quote it in YAML)"
        return f"must be a string, got {_describe(value)}"
    if kind in {"int_type", "int_parsing"}:
        return f"must be a whole number, got {_describe(value)}"
    if kind in {"float_type", "float_parsing"}:
        return f"must be a number, got {_describe(value)}"
    if kind in {"bool_type", "bool_parsing"}:
        return f"must be true or false, got {_describe(value)}"
    if kind == "list_type":
        return f"must be a list, got {_describe(value)}"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return f"must be a mapping, got {_describe(value)}"
    if kind == "too_short":
        minimum = ctx.get("min_length", 1)
        return "must not be empty" if minimum == 1 else f"needs at least {minimum} items"
    if kind == "greater_than_equal":
        return f"must be >= {ctx['ge']}, got {value!r}"
    if kind == "greater_than":
        return f"must be > {ctx['gt']}, got {value!r}"
    if kind == "less_than_equal":
        return f"must be <= {ctx['le']}, got {value!r}"
    if kind == "string_pattern_mismatch":
        return f"{_PATTERN_HINTS.get(field, 'has an invalid format')}, got {value!r}"
    if kind == "literal_error" and path == "version":
        return f"unsupported policy version {value!r}: this release reads version 1"
    message = str(error["msg"])
    if message.startswith("Input should be "):
        return f"must be {message.removeprefix('Input should be ')}, got {_describe(value)}"
    return message.removeprefix("Value error, ")


def messages_from_validation(exc: ValidationError) -> list[str]:
    """Every error of ``exc`` as ``path: message``; errors with sub-path issues expand to several."""
    lines: list[str] = []
    for error in exc.errors():
        path = format_loc(error["loc"])
        ctx = error.get("ctx") or {}
        if error["type"] == RULE_ERROR:
            for at, message in ctx["issues"]:
                full = join_path(path, at)
                lines.append(f"{full}: {message}" if full else message)
            continue
        message = _message(error, path)
        lines.append(f"{path}: {message}" if path else message)
    return lines
