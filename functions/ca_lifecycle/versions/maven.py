"""Maven version order (``ComparableVersion``, maven-artifact on apache/maven master), for maven.

Parsing follows ``ComparableVersion.parseVersion`` step by step (lower-cased text):

* ``.`` ends an item; ``-`` ends an item and opens a nested list, except between letters and a
  digit (``redhat-00001`` is one *combination* item ``redhat`` + ``1``);
* a letter-to-digit transition makes a combination (``sp1``, ``alpha2``) and opens a nested
  list; a digit-to-letter transition ends the number and opens a nested list; a qualifier at the
  very end opens a nested list, so ``1.0.RC1``, ``1.0-RC1`` and ``1.0.0.RC1`` compare alike;
* every list is then normalized: a null item (``0``, an empty list) is dropped when it is last,
  or followed by a qualifier, or by a list that starts with a qualifier or combination.

Comparison at one position: a number beats a list, which beats a qualifier or combination;
qualifiers rank ``alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release <
sp < unknown`` (unknown ones lexically); a combination ranks by its qualifier, above the bare
qualifier, then by its number; a missing item is "null": above a pre-release qualifier, equal
to ``0`` and to a release qualifier, below anything else.

Maven's comparator is not transitive on some exotic inputs (``1.sp.1 < 1-alpha < 1 < 1.sp.1``),
so no sort key can agree with it everywhere. The key below is a total order that agrees with it
on every vector of Maven's own test suite; docs/version-ordering.md lists what it does not cover.

Key layout: nested lists form a chain (a nested list is always the last item of its parent), so
the chain is flattened into one stream of elements with a marker where each nested list starts.
Comparing against a missing item means "the first element that is not null-equivalent decides",
which plain tuple order cannot express across zeros, so each element is fused with the run of
zeros before it (``k``):

* ``0, k, …`` below null: pre-release qualifiers and combinations, lists that start below null;
* ``1`` the end;
* ``2, k, …`` above null but below ``0``: sp / unknown / release qualifiers, lists above null;
* ``3, -k, n`` a positive number (more zeros before it: it meets a zero sooner, so lower).

A qualifier continues ``0, rank, text, n`` (``n`` = -1 for a bare qualifier, below any
combination number); a list marker continues ``1``. Every group's length is fixed by its first
three items, so the groups are written one after another into one flat tuple.
"""

from __future__ import annotations

import re

from ca_lifecycle.versions._base import InvalidVersion, ParsedVersion, check_length, pad_release

_QUALIFIER_RANK = {
    "alpha": 0,
    "beta": 1,
    "milestone": 2,
    "rc": 3,
    "cr": 3,
    "snapshot": 4,
    "": 5,
    "ga": 5,
    "final": 5,
    "release": 5,
    "sp": 6,
}
_SINGLE_LETTER = {"a": "alpha", "b": "beta", "m": "milestone"}
_RELEASE_RANK = 5
_UNKNOWN_RANK = 7

_DIGITS = frozenset("0123456789")
# The leading release number for per: major/minor; a "v" prefix is not part of the number.
_RELEASE_PREFIX = re.compile(r"[vV]?([0-9]+(?:\.[0-9]+)*)")

_END = 1
_BARE = -1  # the number slot of a qualifier that is not a combination


class _List(list["_Item"]):
    """A Maven ListItem; a distinct type so an item can be told from a nested list."""

    __slots__ = ()


# A leaf item: a number (int), a qualifier (rank, text) or a combination (rank, text, number).
_Leaf = int | tuple[int, str] | tuple[int, str, int]
_Item = _Leaf | _List


def _qualifier(text: str, followed_by_digit: bool) -> tuple[int, str]:
    if followed_by_digit and text in _SINGLE_LETTER:
        text = _SINGLE_LETTER[text]
    rank = _QUALIFIER_RANK.get(text)
    if rank is None:
        return (_UNKNOWN_RANK, text)
    # Aliases (cr/rc, ga/final/release/"") compare equal, so drop the spelling.
    return (rank, "")


def _combination(text: str) -> tuple[int, str, int]:
    """``CombinationItem``: qualifier letters, then the number (separating hyphens removed)."""
    text = text.replace("-", "")
    index = next((i for i, char in enumerate(text) if char.isdecimal()), 0)
    rank, name = _qualifier(text[:index], True)
    return (rank, name, int(text[index:]))


def _item(combination: bool, digits: bool, text: str) -> _Item:
    if combination:
        return _combination(text)
    if digits:
        return int(text)
    return _qualifier(text, False)


def _is_null(item: _Item) -> bool:
    # ComparableVersion's isNull: zero or an empty list; never a qualifier (not even "ga").
    if isinstance(item, int):
        return item == 0
    if isinstance(item, _List):
        return not item
    return False


def _starts_with_qualifier(item: _Item) -> bool:
    return isinstance(item, _List) and bool(item) and isinstance(item[0], tuple)


def _is_qualifier(item: _Item) -> bool:
    return isinstance(item, tuple) and len(item) == 2


def _normalize(items: _List) -> None:
    """``ListItem.normalize``: drop a null item that is last, or followed by a qualifier, or by a
    list that starts with a qualifier or a combination."""
    for i in range(len(items) - 1, -1, -1):
        if not _is_null(items[i]):
            continue
        last = i == len(items) - 1
        if last or _is_qualifier(items[i + 1]) or _starts_with_qualifier(items[i + 1]):
            del items[i]


def _tokenize(text: str) -> list[_List]:
    """``parseVersion``: returns the chain of lists, top level first, each nested in the one before."""
    chain = [_List()]
    current = chain[0]
    digits = combination = False
    start = 0
    n = len(text)

    def open_list() -> None:
        nonlocal current
        nested = _List()
        current.append(nested)
        chain.append(nested)
        current = nested

    for i, char in enumerate(text):
        if char == ".":
            current.append(0 if i == start else _item(combination, digits, text[start:i]))
            combination = False
            start = i + 1
        elif char == "-":
            if i == start:
                current.append(0)
            else:
                # Letters, a hyphen, then a digit: one combination item (redhat-00001).
                if not digits and i != n - 1 and text[i + 1].isdecimal():
                    combination = True
                    continue
                current.append(_item(combination, digits, text[start:i]))
            start = i + 1
            if current:
                open_list()
            combination = False
        elif char in _DIGITS:
            if not digits and i > start:
                combination = True
                if current:
                    open_list()
            digits = True
        else:
            if digits and i > start:
                current.append(_item(combination, True, text[start:i]))
                start = i
                open_list()
                combination = False
            digits = False
    if n > start:
        if not digits and current:
            open_list()
        current.append(_item(combination, digits, text[start:]))
    for items in reversed(chain):
        _normalize(items)
    return chain


def _flat_items(chain: list[_List]) -> list[list[_Leaf]]:
    """Each list's own items (its nested list dropped), release qualifiers trimmed at the end.

    A trailing release qualifier compares equal to null, exactly like a trailing zero; Maven
    keeps it (``1ga`` is "same order but not equal" to ``1``), the key can drop it.
    """
    flat: list[list[_Leaf]] = [[item for item in items if not isinstance(item, _List)] for items in chain]
    # Trim from the deepest list up: a list left empty disappears from its parent too.
    while flat:
        own = flat[-1]
        while own and (own[-1] == 0 or (isinstance(own[-1], tuple) and own[-1] == (_RELEASE_RANK, ""))):
            own.pop()
        if own or len(flat) == 1:
            break
        flat.pop()
    return flat


def _sign(item: _Leaf) -> int:
    """-1, 0 or 1: how an item compares with a missing item."""
    if isinstance(item, int):
        return 1 if item else 0
    rank = item[0]
    return (rank > _RELEASE_RANK) - (rank < _RELEASE_RANK)


def _stream_signs(flat: list[list[_Leaf]]) -> list[int]:
    """The sign against null of each nested list (index d: the list at depth d), deepest first."""
    signs = [0] * len(flat)
    decided = 0
    for depth in range(len(flat) - 1, 0, -1):
        for item in reversed(flat[depth]):
            sign = _sign(item)
            if sign:
                decided = sign
        signs[depth] = decided
    return signs


def parse(text: str) -> ParsedVersion:
    check_length(text)
    # Maven itself takes any string. Whitespace and control characters never occur in a
    # deployable version (and a path segment cannot hold them), so those stay unparseable.
    if not text.isprintable() or any(char.isspace() for char in text):
        raise InvalidVersion(f"not a Maven version (whitespace or control character): {text!r}")

    try:
        flat = _flat_items(_tokenize(text.lower()))
    except ValueError as exc:  # a combination whose number int() cannot read (exotic digits)
        raise InvalidVersion(f"not a Maven version: {text!r}") from exc
    signs = _stream_signs(flat)

    key: list[object] = []
    prerelease = False
    zeros = 0
    for depth, own in enumerate(flat):
        if depth:
            # The marker of a nested list: below or above null by its first decisive element.
            key += (0 if signs[depth] < 0 else 2, zeros, 1)
            zeros = 0
        for item in own:
            if isinstance(item, int):
                if item == 0:
                    zeros += 1
                    continue
                key += (3, -zeros, item)
            else:
                rank = item[0]
                prerelease = prerelease or rank < _RELEASE_RANK
                key += (0 if rank < _RELEASE_RANK else 2, zeros, 0, *item)
                if len(item) == 2:
                    key.append(_BARE)
            zeros = 0
    key.append(_END)

    match = _RELEASE_PREFIX.match(text)
    release = tuple(int(part) for part in match[1].split(".")) if match else ()
    return ParsedVersion(key=tuple(key), prerelease=prerelease, release=pad_release(release))
