"""Reject version regexes that Python's backtracking engine could take super-linear time on.

Versions are chosen by whoever publishes, and a worker matching ``(a+)+$`` against
``aaaa…!`` would time out on every event of that package. RE2 is not available in the Lambda
runtime, so ``validate`` accepts only a subset whose backtracking stays near-linear:

- no backreferences, lookarounds or conditionals;
- no repeat (``*``, ``+``, ``{m,n}`` with n > 1) inside another repeat, unless each iteration
  starts with a character the inner repeats cannot match (``(\\.\\d+)*``), and no alternation
  inside a repeat;
- two repeats whose character sets overlap must be separated by a required character that the
  first cannot match (``\\d+\\.\\d+`` is fine, ``a*a*`` and ``.*x?.*`` are not).

Each match attempt is then linear, and ``re.search``'s scan over start positions makes it at
most quadratic in the version's length (CodeArtifact caps versions at 255 characters).
"""

from __future__ import annotations

import re
import re._constants as _c  # type: ignore[import-not-found]
from dataclasses import dataclass
from re import _parser  # type: ignore[attr-defined]
from typing import Any

_ALL = frozenset(range(256))
_DIGITS = frozenset(range(ord("0"), ord("9") + 1))
_WORD = _DIGITS | frozenset(range(ord("a"), ord("z") + 1)) | frozenset(range(ord("A"), ord("Z") + 1)) | {95}
_SPACE = frozenset(b" \t\n\r\f\v")
_CATEGORIES: dict[Any, frozenset[int]] = {
    _c.CATEGORY_DIGIT: _DIGITS,
    _c.CATEGORY_NOT_DIGIT: _ALL - _DIGITS,
    _c.CATEGORY_WORD: _WORD,
    _c.CATEGORY_NOT_WORD: _ALL - _WORD,
    _c.CATEGORY_SPACE: _SPACE,
    _c.CATEGORY_NOT_SPACE: _ALL - _SPACE,
}
_REPEATS = {
    _c.MAX_REPEAT,
    _c.MIN_REPEAT,
    *([_c.POSSESSIVE_REPEAT] if hasattr(_c, "POSSESSIVE_REPEAT") else []),
}
_FORBIDDEN = {
    _c.GROUPREF: "backreferences",
    _c.GROUPREF_EXISTS: "conditional groups",
    _c.ASSERT: "lookarounds",
    _c.ASSERT_NOT: "lookarounds",
}


class UnsafeRegexError(ValueError):
    """The regex could backtrack super-linearly; the message says why."""


@dataclass(frozen=True, slots=True)
class _Item:
    chars: frozenset[int]  # what one step of it can match (bytes; non-ASCII folded to 255)
    repeats: bool  # matches a variable, unbounded-ish run (max > 1 and min != max)
    required: bool  # matches at least one character on every path


def check_regex(pattern: str) -> None:
    """Raise ``UnsafeRegexError`` when ``pattern`` is outside the near-linear subset."""
    try:
        parsed = _parser.parse(pattern)
    except re.error:
        return  # re.compile reports syntax errors with its own message
    _check_sequence(_items(list(parsed), inside_repeat=False))


def _items(tokens: list[tuple[Any, Any]], *, inside_repeat: bool) -> list[_Item]:
    items: list[_Item] = []
    for op, arg in tokens:
        if op in _FORBIDDEN:
            raise UnsafeRegexError(f"{_FORBIDDEN[op]} are not allowed in version regexes")
        if op in _REPEATS:
            low, high, body = arg
            inner = _items(list(body), inside_repeat=high > 1)
            if high > 1 and any(i.repeats for i in inner) and not _anchored(inner):
                raise UnsafeRegexError("a repeat inside a repeat can backtrack exponentially")
            chars = frozenset().union(*(i.chars for i in inner)) if inner else frozenset()
            variable = high > 1 and low != high
            items.append(_Item(chars, repeats=variable or any(i.repeats for i in inner), required=low > 0))
        elif op is _c.SUBPATTERN:
            items.extend(_items(list(arg[-1]), inside_repeat=inside_repeat))
        elif op is _c.BRANCH:
            alternatives = [_items(list(branch), inside_repeat=inside_repeat) for branch in arg[1]]
            flat = [i for alt in alternatives for i in alt]
            if inside_repeat and len(alternatives) > 1:
                raise UnsafeRegexError("an alternation inside a repeat can backtrack exponentially")
            for alt in alternatives:
                _check_sequence(alt)
            chars = frozenset().union(*(i.chars for i in flat)) if flat else frozenset()
            required = all(any(i.required for i in alt) for alt in alternatives)
            items.append(_Item(chars, repeats=any(i.repeats for i in flat), required=required))
        elif op is _c.AT:
            continue  # anchors match no character
        else:
            items.append(_Item(_chars(op, arg), repeats=False, required=True))
    return items


def _anchored(body: list[_Item]) -> bool:
    """Each iteration starts with a required character none of the body's repeats can match
    (``(\\.\\d+)*``): iterations cannot trade characters, so nesting stays linear."""
    if not body or body[0].repeats or not body[0].required:
        return False
    _check_sequence(body)
    return all(not (item.chars & body[0].chars) for item in body[1:] if item.repeats)


def _check_sequence(items: list[_Item]) -> None:
    for start, first in enumerate(items):
        if not first.repeats:
            continue
        for later in items[start + 1 :]:
            if later.required and not later.repeats and not (later.chars & first.chars):
                break  # a required character the first repeat cannot eat: the split is forced
            if later.repeats and later.chars & first.chars:
                raise UnsafeRegexError(
                    "two repeats that can match the same characters follow each other "
                    "(e.g. a*a* or .*x?.*): separate them with a character the first cannot match"
                )


def _chars(op: Any, arg: Any) -> frozenset[int]:
    if op is _c.LITERAL:
        return frozenset({min(int(arg), 255)})
    if op is _c.NOT_LITERAL or op is _c.ANY:
        return _ALL
    if op is _c.IN:
        chars: set[int] = set()
        negate = False
        for kind, value in arg:
            if kind is _c.NEGATE:
                negate = True
            elif kind is _c.LITERAL:
                chars.add(min(int(value), 255))
            elif kind is _c.RANGE:
                chars.update(range(min(value[0], 255), min(value[1], 255) + 1))
            elif kind is _c.CATEGORY:
                chars.update(_CATEGORIES.get(value, _ALL))
            else:
                chars.update(_ALL)
        return _ALL - frozenset(chars) if negate else frozenset(chars)
    return _ALL
