"""PEP 440 ordering for pypi, written from the PEP (Appendix B) so the Lambda needs no ``packaging``.

The key mirrors ``packaging.version.Version._key`` but replaces its +/-Infinity sentinels with
small tagged tuples, so keys are plain data and never compare an int with a str.
"""

from __future__ import annotations

import re

from ca_lifecycle.versions._base import InvalidVersion, ParsedVersion, check_length, pad_release

# PEP 440 Appendix B, the permissive pattern that accepts every spelling normalization maps
# to a canonical version (``1.0-RC1``, ``v1.0``, ``1.0.post-1``...). ASCII so that IGNORECASE
# cannot let exotic letters (the Kelvin sign matches [a-z] under Unicode rules) through.
_PEP440 = re.compile(
    r"""
    v?
    (?:
        (?:(?P<epoch>[0-9]+)!)?
        (?P<release>[0-9]+(?:\.[0-9]+)*)
        (?P<pre>
            [-_\.]?
            (?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)
            [-_\.]?
            (?P<pre_n>[0-9]+)?
        )?
        (?P<post>
            (?:-(?P<post_n1>[0-9]+))
            |
            (?:
                [-_\.]?
                (?P<post_l>post|rev|r)
                [-_\.]?
                (?P<post_n2>[0-9]+)?
            )
        )?
        (?P<dev>
            [-_\.]?
            (?P<dev_l>dev)
            [-_\.]?
            (?P<dev_n>[0-9]+)?
        )?
    )
    (?:\+(?P<local>[a-z0-9]+(?:[-_\.][a-z0-9]+)*))?
    """,
    re.VERBOSE | re.IGNORECASE | re.ASCII,
)

# a < b < rc; the PEP's alternative spellings normalize onto these three.
_PRE_RANK = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}
_LOCAL_SPLIT = re.compile(r"[-_.]")

# Sentinels, chosen so each slot orders like packaging's Infinity/NegativeInfinity.
_PRE_DEV_ONLY: tuple[int, ...] = (0,)  # 1.0.dev1 sorts before 1.0a1
_PRE_NONE: tuple[int, ...] = (2,)  # a final release sorts after its prereleases
_POST_NONE: tuple[int, ...] = (0,)
_DEV_NONE: tuple[int, ...] = (1,)
_LOCAL_NONE: tuple[object, ...] = (0,)


def parse(text: str) -> ParsedVersion:
    check_length(text)
    # packaging strips Unicode whitespace; the pattern itself stays ASCII (see above).
    match = _PEP440.fullmatch(text.strip())
    if match is None:
        raise InvalidVersion(f"not a PEP 440 version: {text!r}")
    epoch = int(match["epoch"]) if match["epoch"] else 0
    release = tuple(int(part) for part in match["release"].split("."))

    pre = match["pre_l"]
    post = match["post_l"] is not None or match["post_n1"] is not None
    dev = match["dev_l"] is not None

    # Trailing zeros do not count: 1.0 == 1.0.0 (PEP 440, "Release segment").
    trimmed = release
    while trimmed and trimmed[-1] == 0:
        trimmed = trimmed[:-1]

    if pre is not None:
        pre_key: tuple[int, ...] = (1, _PRE_RANK[pre.lower()], int(match["pre_n"] or 0))
    elif dev and not post:
        pre_key = _PRE_DEV_ONLY
    else:
        pre_key = _PRE_NONE
    # An implicit post number ("1.0.post") is 0, like an implicit pre or dev number.
    post_key = (1, int(match["post_n1"] or match["post_n2"] or 0)) if post else _POST_NONE
    dev_key = (0, int(match["dev_n"] or 0)) if dev else _DEV_NONE

    local = match["local"]
    if local is None:
        local_key = _LOCAL_NONE
    else:
        # Local segments: strings sort before numbers, numbers compare numerically.
        local_key = (
            1,
            tuple(
                (1, int(part)) if part.isdigit() else (0, part) for part in _LOCAL_SPLIT.split(local.lower())
            ),
        )

    return ParsedVersion(
        key=(epoch, trimmed, pre_key, post_key, dev_key, local_key),
        prerelease=pre is not None or dev,
        release=pad_release(release),
    )
