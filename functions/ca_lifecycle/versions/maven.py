"""Maven version order (``ComparableVersion``), for the maven format.

Rules (https://maven.apache.org/pom.html#version-order-specification):

* the version is split on ``.``, ``-`` and every digit/letter transition; ``-`` and a
  transition open a nested list, and so does a qualifier after ``.`` (``1.0.RC1`` is
  ``1.0-RC1``, as in Maven 3.9);
* qualifiers rank ``alpha < beta < milestone < rc = cr < snapshot < "" = ga = final =
  release < sp`` and unknown qualifiers rank after ``sp``, lexically; ``a``/``b``/``m``
  directly followed by a digit mean alpha/beta/milestone; case is ignored;
* trailing "null" items (``0``, ``""``/``ga``/``final``/``release``, empty lists) are trimmed
  at every hyphen, so ``1 == 1.0 == 1.0.0 == 1-ga``. A list emptied that way is dropped
  here, so ``1-ga-1 == 1-0-1 == 1-1``; Maven (3.8.7 and 3.9.6 alike) keeps its depth and
  ranks the first two below ``1-1``. Keeping the depth would make the flat key below disagree
  with Maven's own pairwise rule on other inputs (that rule is not transitive there), and a
  tie on such rare spellings only falls back to publish order;
* at one position a number beats a list, which beats a qualifier; a missing item compares as
  null (a number > null > a prerelease qualifier; a list by its first non-null item).

Maven's own comparator is not transitive on some exotic inputs (``1.sp``, ``1-alpha`` and ``1``
form a cycle in Maven 3.8). This key is a total order that agrees with Maven on real versions.

Key layout: the nested lists form a chain (a nested list is always the last item of its
parent), so the chain is flattened into one tuple with a marker where each nested list
starts and ``_END`` at the very end. Markers carry the nested list's sign against null, which
is all that decides a list-versus-missing comparison.
"""

from __future__ import annotations

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

# Element tags, in the order the comparison needs (see the module docstring).
_PRE_QUALIFIER = 0  # (0, rank): below null
_LIST_BELOW = (1,)  # nested list whose first non-null item is below null
_END = (2,)  # null: nothing more on this side
_QUALIFIER = 3  # (3, rank, text): release-equivalent, sp, unknown
_LIST_ABOVE = (4,)
_NUMBER = 5  # (5, n): numbers beat everything

_DIGITS = frozenset("0123456789")
_SEPARATORS = frozenset(".-")

# An item is an int (number) or a (rank, text) qualifier.
_Item = int | tuple[int, str]


def _qualifier(text: str, followed_by_digit: bool) -> tuple[int, str]:
    if followed_by_digit and text in _SINGLE_LETTER:
        text = _SINGLE_LETTER[text]
    rank = _QUALIFIER_RANK.get(text)
    if rank is None:
        return (_UNKNOWN_RANK, text)
    # Aliases (cr/rc, ga/final/release/"") compare equal, so drop the spelling.
    return (rank, "")


def _is_null(item: _Item) -> bool:
    if isinstance(item, int):
        return item == 0
    return item[0] == _RELEASE_RANK


def _tokenize(text: str) -> list[list[_Item]]:
    """Split into the chain of lists: element 0 is the top level, each next one is nested."""
    chain: list[list[_Item]] = [[]]
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char in _SEPARATORS:
            # An empty token (``1..2``, ``1.-2``) is a zero, as in Maven.
            if i == 0 or text[i - 1] in _SEPARATORS:
                chain[-1].append(0)
            if char == "-":
                chain.append([])
            i += 1
            continue
        start = i
        if char in _DIGITS:
            while i < n and text[i] in _DIGITS:
                i += 1
            chain[-1].append(int(text[start:i]))
            if i < n and text[i] not in _SEPARATORS:
                chain.append([])  # 1alpha: the letters go into a nested list
        else:
            while i < n and text[i] not in _DIGITS and text[i] not in _SEPARATORS:
                i += 1
            if chain[-1]:
                chain.append([])  # a qualifier always starts its own list (1.0.RC1 == 1.0-RC1)
            chain[-1].append(_qualifier(text[start:i], i < n and text[i] in _DIGITS))
            if i < n and text[i] in _DIGITS:
                chain.append([])  # alpha1: the number goes into a nested list
    return chain


def _normalize(chain: list[list[_Item]]) -> list[list[_Item]]:
    """Trim trailing nulls of every list and drop lists left empty (``1-ga-1`` == ``1-1``)."""
    kept: list[list[_Item]] = []
    for items in chain:
        end = len(items)
        while end and _is_null(items[end - 1]):
            end -= 1
        if end:
            kept.append(items[:end])
    return kept


def _below_null(items: list[_Item]) -> bool:
    """Whether a (normalized, non-empty) list sorts below a missing item."""
    for item in items:
        if not _is_null(item):
            return not isinstance(item, int) and item[0] < _RELEASE_RANK
    return False  # unreachable for a normalized list: its last item is never null


def _encode(item: _Item) -> tuple[object, ...]:
    if isinstance(item, int):
        return (_NUMBER, item)
    rank, text = item
    if rank < _RELEASE_RANK:
        return (_PRE_QUALIFIER, rank)
    return (_QUALIFIER, rank, text)


def parse(text: str) -> ParsedVersion:
    check_length(text)
    # Maven itself accepts any string; refusing the meaningless ones lets the engine fall back
    # to publish order for them instead of ranking, say, "latest" as a real version.
    if not (text.isascii() and text.isprintable()) or " " in text:
        raise InvalidVersion(f"not a Maven version (whitespace or non-ASCII): {text!r}")
    if not any(char in _DIGITS for char in text):
        raise InvalidVersion(f"not a Maven version (no number): {text!r}")

    raw = _tokenize(text.lower())
    release: list[int] = []
    for item in raw[0]:
        if not isinstance(item, int):
            break
        release.append(item)

    chain = _normalize(raw)
    key: list[tuple[object, ...]] = []
    prerelease = False
    for depth, items in enumerate(chain):
        if depth:
            key.append(_LIST_BELOW if _below_null(items) else _LIST_ABOVE)
        for item in items:
            encoded = _encode(item)
            prerelease = prerelease or encoded[0] == _PRE_QUALIFIER
            key.append(encoded)
    key.append(_END)
    return ParsedVersion(key=tuple(key), prerelease=prerelease, release=pad_release(tuple(release)))
