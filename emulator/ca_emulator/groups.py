"""Package-group patterns: parsing, matching, specificity and coverage.

Syntax (CodeArtifact user guide, "Package group definition syntax"): ``/*`` every package,
``/FORMAT/*`` a format, ``/FORMAT/NAMESPACE~`` a namespace prefix, ``/FORMAT/NAMESPACE/*`` one
namespace (empty for none: ``/pypi//*``), ``/FORMAT/NAMESPACE/NAME~`` a name prefix and
``/FORMAT/NAMESPACE/NAME$`` one package. A package belongs to the most specific matching group.
"""

from __future__ import annotations

from dataclasses import dataclass

from ca_emulator.names import FORMATS, normalize_name, normalize_namespace

# Specificity levels, lowest first.
ALL, FORMAT, NAMESPACE_PREFIX, NAMESPACE, NAME_PREFIX, EXACT = range(6)


@dataclass(frozen=True, slots=True)
class Pattern:
    level: int
    format: str = ""
    namespace: str = ""  # exact namespace, or the namespace prefix at NAMESPACE_PREFIX
    name: str = ""  # exact name, or the name prefix at NAME_PREFIX

    @property
    def specificity(self) -> tuple[int, int]:
        # Deeper levels win; among prefixes, the longer prefix wins.
        return (self.level, len(self.name) if self.level >= NAME_PREFIX else len(self.namespace))

    def matches(self, fmt: str, namespace: str | None, name: str) -> bool:
        ns = namespace or ""
        if self.level == ALL:
            return True
        if fmt != self.format:
            return False
        if self.level == FORMAT:
            return True
        if self.level == NAMESPACE_PREFIX:
            return ns.startswith(self.namespace)
        if ns != self.namespace:
            return False
        if self.level == NAMESPACE:
            return True
        if self.level == NAME_PREFIX:
            return name.startswith(self.name)
        return name == self.name

    def covers(self, other: Pattern) -> bool:
        """Whether every package ``other`` can match is matched by this pattern too."""
        if self.level == ALL:
            return True
        if other.level == ALL or other.format != self.format:
            return False
        if self.level == FORMAT:
            return True
        if other.level == FORMAT:
            return False
        if self.level == NAMESPACE_PREFIX:
            return other.namespace.startswith(self.namespace)
        if other.level == NAMESPACE_PREFIX or other.namespace != self.namespace:
            return False
        if self.level == NAMESPACE:
            return True
        if other.level == NAMESPACE:
            return False
        if self.level == NAME_PREFIX:
            return other.name.startswith(self.name)
        return other.level == EXACT and other.name == self.name


def parse_pattern(text: str) -> Pattern:
    """A Pattern, or ValueError saying what is wrong with ``text``."""
    if text == "/*":
        return Pattern(ALL)
    if not text.startswith("/"):
        raise ValueError(f"package group pattern {text!r} must start with '/'")
    parts = text[1:].split("/")
    fmt = parts[0]
    if fmt not in FORMATS:
        raise ValueError(f"package group pattern {text!r}: unknown format {fmt!r}")
    if len(parts) == 2:
        if parts[1] == "*":
            return Pattern(FORMAT, fmt)
        if parts[1].endswith("~") and len(parts[1]) > 1:
            return Pattern(NAMESPACE_PREFIX, fmt, normalize_namespace(fmt, parts[1][:-1]) or "")
    elif len(parts) == 3:
        ns = normalize_namespace(fmt, parts[1]) or ""
        last = parts[2]
        if last == "*":
            return Pattern(NAMESPACE, fmt, ns)
        if len(last) > 1 and last[-1] in "$~":
            level = EXACT if last[-1] == "$" else NAME_PREFIX
            return Pattern(level, fmt, ns, normalize_name(fmt, last[:-1]))
    raise ValueError(
        f"package group pattern {text!r} is not one of /*, /FORMAT/*, /FORMAT/NAMESPACE~, "
        "/FORMAT/NAMESPACE/*, /FORMAT/NAMESPACE/NAME~, /FORMAT/NAMESPACE/NAME$"
    )
