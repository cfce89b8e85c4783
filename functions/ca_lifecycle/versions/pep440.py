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

# Key layout: one flat tuple per version (fewer objects to allocate and for the cyclic GC to
# track than packaging's nested key). Each slot is prefix-free (its first item fixes its
# length), so flat tuple order equals slot-by-slot order:
#   epoch, release numbers with trailing zeros dropped, _RELEASE_END (below every number),
#   pre:   0 (dev-only: 1.0.dev1 < 1.0a1) | 1, rank, n | 2 (none: a release follows its pres)
#   post:  0 (none) | 1, n
#   dev:   0, n | 1 (none)
#   local: 0 (none) | 1, then per segment 0, str | 1, int (strings before numbers)
_RELEASE_END = -1


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
    end = len(release)
    while end and release[end - 1] == 0:
        end -= 1

    key: list[object] = [epoch, *release[:end], _RELEASE_END]
    if pre is not None:
        key += (1, _PRE_RANK[pre.lower()], int(match["pre_n"] or 0))
    else:
        key.append(0 if dev and not post else 2)
    # An implicit post number ("1.0.post") is 0, like an implicit pre or dev number.
    if post:
        key += (1, int(match["post_n1"] or match["post_n2"] or 0))
    else:
        key.append(0)
    if dev:
        key += (0, int(match["dev_n"] or 0))
    else:
        key.append(1)
    local = match["local"]
    if local is None:
        key.append(0)
    else:
        key.append(1)
        for part in _LOCAL_SPLIT.split(local.lower()):
            key += (1, int(part)) if part.isdigit() else (0, part)

    return ParsedVersion(key=tuple(key), prerelease=pre is not None or dev, release=pad_release(release))
