"""Durations written the way people write them in a policy file: ``30d``, ``12h``, ``2w``.

In Python a :data:`Duration` field holds a :class:`datetime.timedelta`; it dumps back to the
largest exact unit up to days (``"2w"`` reads back as 14 days and dumps as ``"14d"``).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

_UNITS: dict[str, timedelta] = {
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "s": timedelta(seconds=1),
}
DURATION_PATTERN = r"^[1-9][0-9]*[wdhms]$"
_DURATION_RE = re.compile(DURATION_PATTERN)
# 100 years: longer means nothing for a package, and ``now - duration`` must stay a valid
# datetime (year >= 1) so the engine can never overflow on a policy that validated.
MAX_DURATION = timedelta(days=36500)


def _too_long(text: str) -> PydanticCustomError:
    return PydanticCustomError(
        "duration", "duration {value} is too long (at most 36500d)", {"value": repr(text)}
    )


def parse_duration(text: str) -> timedelta:
    """``"30d"`` → 30 days. Raises ValueError (a PydanticCustomError) on anything else."""
    if not isinstance(text, str) or not _DURATION_RE.match(text):
        raise PydanticCustomError(
            "duration",
            "invalid duration {value} (use e.g. 30d, 12h)",
            {"value": repr(text)},
        )
    try:
        value = int(text[:-1]) * _UNITS[text[-1]]
    except OverflowError:  # beyond timedelta's range (about 2.7 million years)
        raise _too_long(text) from None
    if value > MAX_DURATION:
        raise _too_long(text)
    return value


def format_duration(value: timedelta) -> str:
    """The largest unit up to days that divides ``value`` exactly: 14 days → ``"14d"``, 36 hours → ``"36h"``.

    Weeks are read but never written: policies mostly say ``14d``, and a reason quoting
    ``2w`` could not be found by searching the policy file for what its author typed.
    """
    if value <= timedelta(0) or value % timedelta(seconds=1):
        raise ValueError(f"a policy duration is a positive whole number of seconds, not {value}")
    for unit, size in _UNITS.items():
        if unit != "w" and not value % size:
            return f"{value // size}{unit}"
    raise AssertionError("unreachable: seconds always divide")  # pragma: no cover


class _DurationAnnotation:
    """pydantic hooks: validate from the string (or a timedelta in Python), dump to the string."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._coerce,
            serialization=core_schema.plain_serializer_function_ser_schema(format_duration),
        )

    @staticmethod
    def _coerce(value: object) -> timedelta:
        if isinstance(value, timedelta):
            if value > MAX_DURATION:
                raise _too_long(str(value))
            if value > timedelta(0) and not value % timedelta(seconds=1):
                return value
            raise PydanticCustomError(
                "duration",
                "a duration must be a positive whole number of seconds, not {value}",
                {"value": str(value)},
            )
        if isinstance(value, str):
            return parse_duration(value)
        raise PydanticCustomError(
            "duration",
            "invalid duration {value} (use e.g. 30d, 12h)",
            {"value": repr(value)},
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": DURATION_PATTERN,
            "description": "A positive whole number and a unit: s, m, h, d or w (e.g. 30d, 12h).",
            "examples": ["30d", "12h", "2w"],
        }


Duration = Annotated[timedelta, _DurationAnnotation]
