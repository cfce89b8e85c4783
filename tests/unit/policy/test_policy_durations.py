"""Durations: "30d" ⇄ timedelta, and the errors people see for anything else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from ca_lifecycle.policy import Duration, format_duration, parse_duration
from pydantic import BaseModel, ValidationError


class _Holder(BaseModel):
    value: Duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45s", timedelta(seconds=45)),
        ("90m", timedelta(minutes=90)),
        ("12h", timedelta(hours=12)),
        ("30d", timedelta(days=30)),
        ("2w", timedelta(weeks=2)),
        ("1d", timedelta(days=1)),
        ("365d", timedelta(days=365)),
    ],
)
def test_parse_known_answers(text: str, expected: timedelta) -> None:
    # Given a duration as written in a policy / When parsed / Then it is the timedelta
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["3x", "0d", "-1d", "1.5d", "d", "30", "30D", " 30d", "30d ", "1y", ""])
def test_parse_rejects_everything_else(text: str) -> None:
    with pytest.raises(ValueError, match=r"invalid duration .* \(use e\.g\. 30d, 12h\)"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (timedelta(weeks=2), "14d"),  # weeks are read, never written
        (timedelta(days=14), "14d"),
        (timedelta(days=30), "30d"),
        (timedelta(hours=36), "36h"),
        (timedelta(minutes=90), "90m"),
        (timedelta(seconds=45), "45s"),
        (timedelta(days=1, seconds=1), "86401s"),
    ],
)
def test_format_uses_largest_exact_unit(value: timedelta, expected: str) -> None:
    assert format_duration(value) == expected
    assert parse_duration(format_duration(value)) == value


@pytest.mark.parametrize("value", [timedelta(0), timedelta(days=-1), timedelta(milliseconds=1500)])
def test_format_rejects_values_a_policy_cannot_hold(value: timedelta) -> None:
    with pytest.raises(ValueError, match="positive whole number of seconds"):
        format_duration(value)


def test_field_parses_string_and_dumps_it_back() -> None:
    # Given a model with a Duration field
    holder = _Holder.model_validate({"value": "30d"})
    # Then Python sees a timedelta and both dump modes give the string back
    assert holder.value == timedelta(days=30)
    assert holder.model_dump(mode="json") == {"value": "30d"}
    assert holder.model_dump_json() == '{"value":"30d"}'


def test_field_accepts_timedelta_in_python_but_not_zero() -> None:
    assert _Holder(value=timedelta(hours=3)).value == timedelta(hours=3)
    with pytest.raises(ValidationError, match="positive whole number of seconds"):
        _Holder(value=timedelta(0))


@pytest.mark.parametrize("value", [30, 1.5, None, ["30d"]])
def test_field_rejects_non_strings(value: object) -> None:
    with pytest.raises(ValidationError, match="invalid duration"):
        _Holder.model_validate({"value": value})


def test_json_schema_is_a_string_with_pattern() -> None:
    schema = _Holder.model_json_schema()["properties"]["value"]
    assert schema["type"] == "string"
    assert schema["pattern"] == r"^[1-9][0-9]*[wdhms]$"


@pytest.mark.parametrize("text", ["36501d", "5215w", "1000000d", "9999999999d", "99999999999999999999w"])
def test_parse_rejects_durations_beyond_100_years_instead_of_overflowing(text: str) -> None:
    # Given a duration too long to mean anything (or to fit a timedelta) / When parsed
    # Then a field error, never an OverflowError out of validation or the engine's now - duration
    with pytest.raises(ValueError, match=r"too long \(at most 36500d\)"):
        parse_duration(text)


def test_the_longest_duration_still_parses() -> None:
    assert parse_duration("36500d") == timedelta(days=36500)
    assert _Holder(value=timedelta(days=36500)).value == timedelta(days=36500)
    with pytest.raises(ValidationError, match="too long"):
        _Holder(value=timedelta(days=36501))
