"""CodeArtifact package-group patterns: parsing, matching and specificity.

The syntax is CodeArtifact's own package-group definition syntax, so a scope written for
this tool means what the same string means in a package group:

==============================  ==============================================
``/*``                          every package
``/FORMAT/*``                   every package of one format
``/FORMAT/NAMESPACE~``          namespaces starting with a prefix
``/FORMAT/NAMESPACE/*``         every package in one namespace (``//``: none)
``/FORMAT/NAMESPACE/NAME~``     names starting with a prefix, in one namespace
``/FORMAT/NAMESPACE/NAME$``     exactly one package
==============================  ==============================================

Components may be percent-encoded as CodeArtifact prints them (``%40`` …); plain text is
accepted too. Matching runs once per package in a sweep, so a pattern is parsed once and
matching is a few string comparisons.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any
from urllib.parse import unquote

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from ca_lifecycle.facts import PackageRef

KNOWN_FORMATS: frozenset[str] = frozenset(
    {"cargo", "generic", "maven", "npm", "nuget", "pypi", "ruby", "swift"}
)
# CodeArtifact stores these formats without a namespace: their group paths read /pypi//name.
FORMATS_WITHOUT_NAMESPACE: frozenset[str] = frozenset({"cargo", "nuget", "pypi", "ruby"})
# ...and these always have one (Maven groupId, Swift scope), so an empty namespace matches nothing.
FORMATS_WITH_NAMESPACE: frozenset[str] = frozenset({"maven", "swift"})

_SPECIAL = frozenset("*$~")


class PatternKind(IntEnum):
    """What a pattern selects; the value orders specificity (higher = more specific)."""

    ALL = 0
    FORMAT = 1
    NAMESPACE_PREFIX = 2
    NAMESPACE = 3
    NAME_PREFIX = 4
    EXACT = 5


# (kind, prefix length): compared as a tuple, so a longer prefix of the same kind is stronger.
Specificity = tuple[int, int]


def _invalid(text: str, reason: str) -> PydanticCustomError:
    return PydanticCustomError(
        "package_pattern",
        "invalid package pattern {pattern}: {reason}",
        {"pattern": repr(text), "reason": reason},
    )


def _component(text: str, raw: str, what: str, *, allow_empty: bool) -> str:
    if not raw and not allow_empty:
        raise _invalid(text, f"empty {what}")
    return unquote(raw)


class PackagePattern:
    """One parsed package-group pattern. Immutable; equal when the text is equal."""

    __slots__ = ("format", "kind", "name", "namespace", "specificity", "text")

    text: str
    kind: PatternKind
    format: str | None
    namespace: str | None  # "" = packages without a namespace; for NAMESPACE_PREFIX, the prefix
    name: str | None  # exact name, or the prefix for NAME_PREFIX
    # Strength of a match: exact > name prefix > namespace > namespace prefix > format > all;
    # a longer prefix is stronger than a shorter one of the same kind.
    specificity: Specificity

    def __init__(self, text: str) -> None:
        kind, fmt, namespace, name = self._parse(text)
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "format", fmt)
        object.__setattr__(self, "namespace", namespace)
        object.__setattr__(self, "name", name)
        prefix = name if kind is PatternKind.NAME_PREFIX else namespace
        strength = len(prefix or "") if kind in (PatternKind.NAME_PREFIX, PatternKind.NAMESPACE_PREFIX) else 0
        object.__setattr__(self, "specificity", (int(kind), strength))

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError("PackagePattern is immutable")

    # Immutable, so copies may share it; pickling re-parses the text (slots + no setattr).
    def __reduce__(self) -> tuple[type[PackagePattern], tuple[str]]:
        return (PackagePattern, (self.text,))

    def __copy__(self) -> PackagePattern:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> PackagePattern:
        return self

    @staticmethod
    def _parse(text: str) -> tuple[PatternKind, str | None, str | None, str | None]:
        if not text:
            raise _invalid(text, "empty pattern")
        if not text.startswith("/"):
            raise _invalid(text, "must start with '/', e.g. '/npm/acme/*'")
        if text == "/*":
            return PatternKind.ALL, None, None, None
        suffix = text[-1]
        if suffix not in _SPECIAL:
            raise _invalid(text, "must end with '*' (all), '~' (prefix) or '$' (exact)")
        parts = text[1:-1].split("/")
        fmt = parts[0]
        if fmt not in KNOWN_FORMATS:
            if any(ch in _SPECIAL for ch in fmt):
                raise _invalid(text, "'*', '$' and '~' may only end the pattern")
            raise _invalid(text, f"unknown format {fmt!r} (one of {', '.join(sorted(KNOWN_FORMATS))})")
        rest = parts[1:]
        for raw in rest:
            if any(ch in _SPECIAL for ch in raw):
                raise _invalid(text, f"'*', '$' and '~' may only end the pattern (found in {raw!r})")
        no_ns = fmt in FORMATS_WITHOUT_NAMESPACE
        needs_ns = fmt in FORMATS_WITH_NAMESPACE

        def check_namespace(namespace: str) -> None:
            if namespace and no_ns:
                raise _invalid(text, f"format {fmt} has no namespace: write /{fmt}//NAME")
            if not namespace and needs_ns:
                raise _invalid(text, f"format {fmt} packages always have a namespace")

        if suffix == "*":
            # '*' selects every value of the next component, so it must follow a '/'.
            if rest == [""]:
                return PatternKind.FORMAT, fmt, None, None
            if len(rest) == 2 and rest[1] == "":
                namespace = _component(text, rest[0], "namespace", allow_empty=True)
                check_namespace(namespace)
                return PatternKind.NAMESPACE, fmt, namespace, None
            raise _invalid(text, "'*' must directly follow '/' after the format or the namespace")
        if suffix == "~":
            if len(rest) == 1:
                if no_ns:
                    raise _invalid(text, f"format {fmt} has no namespace to prefix-match")
                prefix = _component(text, rest[0], "namespace prefix", allow_empty=False)
                return PatternKind.NAMESPACE_PREFIX, fmt, prefix, None
            if len(rest) == 2:
                namespace = _component(text, rest[0], "namespace", allow_empty=True)
                check_namespace(namespace)
                prefix = _component(text, rest[1], "name prefix", allow_empty=False)
                return PatternKind.NAME_PREFIX, fmt, namespace, prefix
            raise _invalid(text, "'~' ends a namespace or a name: /FORMAT/NS~ or /FORMAT/NS/NAME~")
        # suffix == "$": only a full coordinate can be matched exactly.
        if len(rest) != 2:
            raise _invalid(text, "'$' needs the full coordinate: /FORMAT/NAMESPACE/NAME$")
        namespace = _component(text, rest[0], "namespace", allow_empty=True)
        check_namespace(namespace)
        name = _component(text, rest[1], "name", allow_empty=False)
        return PatternKind.EXACT, fmt, namespace, name

    def matches_coordinates(self, fmt: str, namespace: str | None, name: str) -> bool:
        kind = self.kind
        if kind is PatternKind.ALL:
            return True
        if fmt != self.format:
            return False
        if kind is PatternKind.FORMAT:
            return True
        ns = namespace or ""
        if kind is PatternKind.NAMESPACE_PREFIX:
            return ns.startswith(self.namespace or "")
        if ns != self.namespace:
            return False
        if kind is PatternKind.NAMESPACE:
            return True
        if kind is PatternKind.NAME_PREFIX:
            return name.startswith(self.name or "")
        return name == self.name

    def matches(self, package: PackageRef) -> bool:
        return self.matches_coordinates(package.format, package.namespace, package.name)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"PackagePattern({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PackagePattern) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    # pydantic integration: a model field of this type accepts the pattern string and dumps it back.
    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._coerce, serialization=core_schema.plain_serializer_function_ser_schema(str)
        )

    @classmethod
    def _coerce(cls, value: object) -> PackagePattern:
        if isinstance(value, PackagePattern):
            return value
        if not isinstance(value, str):
            raise PydanticCustomError("string_type", "Input should be a valid string")
        return cls(value)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": r"^/(\*|[a-z]+/(\*|[^/*$~]+~|[^/*$~]*/(\*|[^/*$~]+[~$])))$",
            "description": "CodeArtifact package-group pattern: /* | /FORMAT/* | /FORMAT/NS~ | "
            "/FORMAT/NS/* | /FORMAT/NS/NAME~ | /FORMAT/NS/NAME$ (empty NS: //)",
            "examples": ["/npm/acme/*", "/maven/com.acme~", "/pypi//requests$"],
        }
