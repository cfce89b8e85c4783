"""Opaque pagination tokens.

A token is base64url JSON holding the sort key of the last item returned (a cursor, so paging
costs O(log n) per page via bisect whatever the depth, and stays correct when items are added
or removed between pages) plus a fingerprint of the query that produced it, so a token reused
with other filters, another package or another sort order is rejected instead of silently
returning the wrong page.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from ca_emulator.errors import ValidationError


def fingerprint(*parts: object) -> str:
    """A short digest of the query parameters a token is bound to."""
    text = json.dumps([str(p) if p is not None else None for p in parts], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode(cursor: Sequence[Any], query_fingerprint: str) -> str:
    document = json.dumps({"c": list(cursor), "q": query_fingerprint}, separators=(",", ":"))
    return base64.urlsafe_b64encode(document.encode()).decode().rstrip("=")


def decode(token: str, query_fingerprint: str) -> list[Any]:
    """The cursor of a token issued for the same query; ValidationException otherwise."""
    try:
        padded = token + "=" * (-len(token) % 4)
        document = json.loads(base64.urlsafe_b64decode(padded.encode()))
        cursor = document["c"]
        bound_to = document["q"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValidationError("The pagination token is not valid") from exc
    if not isinstance(cursor, list) or bound_to != query_fingerprint:
        raise ValidationError("The pagination token does not belong to this request's parameters")
    return cursor
