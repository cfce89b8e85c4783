"""Package-group patterns: parsing, matching and specificity, as CodeArtifact defines them."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from ca_lifecycle.facts import PackageRef
from ca_lifecycle.policy import PackagePattern, PatternKind
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel


def ref(fmt: str, namespace: str | None, name: str) -> PackageRef:
    return PackageRef(domain="acme", repository="release", format=fmt, namespace=namespace, name=name)


@pytest.mark.parametrize(
    ("text", "kind", "fmt", "namespace", "name"),
    [
        ("/*", PatternKind.ALL, None, None, None),
        ("/npm/*", PatternKind.FORMAT, "npm", None, None),
        ("/maven/com.acme~", PatternKind.NAMESPACE_PREFIX, "maven", "com.acme", None),
        ("/npm/acme/*", PatternKind.NAMESPACE, "npm", "acme", None),
        ("/npm//*", PatternKind.NAMESPACE, "npm", "", None),
        ("/npm/acme/wid~", PatternKind.NAME_PREFIX, "npm", "acme", "wid"),
        ("/npm/acme/widgets$", PatternKind.EXACT, "npm", "acme", "widgets"),
        ("/pypi//requests$", PatternKind.EXACT, "pypi", "", "requests"),
        ("/pypi//req~", PatternKind.NAME_PREFIX, "pypi", "", "req"),
        (
            "/maven/org.apache.logging.log4j/log4j-core$",
            PatternKind.EXACT,
            "maven",
            "org.apache.logging.log4j",
            "log4j-core",
        ),
        # Percent-encoded components, as CodeArtifact prints them, are decoded.
        ("/generic/my%20ns/a%24b$", PatternKind.EXACT, "generic", "my ns", "a$b"),
    ],
)
def test_parse_valid_patterns(
    text: str, kind: PatternKind, fmt: str | None, namespace: str | None, name: str | None
) -> None:
    pattern = PackagePattern(text)
    assert (pattern.kind, pattern.format, pattern.namespace, pattern.name) == (kind, fmt, namespace, name)
    assert str(pattern) == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty pattern"),
        ("npm/*", "must start with '/'"),
        ("/npm", "must end with"),
        ("/npm/acme/widgets", "must end with"),
        ("/foo/*", "unknown format 'foo'"),
        ("/NPM/*", "unknown format 'NPM'"),
        ("/*/acme/*", "may only end the pattern"),
        ("/npm/*/widgets$", "may only end the pattern"),
        ("/npm/a*/b$", "may only end the pattern"),
        ("/npm/acme/wid*", "'*' must directly follow '/'"),
        ("/npm/acme$", "'$' needs the full coordinate"),
        ("/npm/*$", "may only end the pattern"),
        ("/npm/acme/b$c$", "may only end the pattern"),
        ("/npm/acme/wid~gets$", "may only end the pattern"),
        ("/npm/a/b/c$", "'$' needs the full coordinate"),
        ("/npm/a/b/c~", "'~' ends a namespace or a name"),
        ("/npm/~", "empty namespace prefix"),
        ("/npm/acme/~", "empty name prefix"),
        ("/npm/acme/$", "empty name"),
        ("/pypi/acme/requests$", "format pypi has no namespace"),
        ("/nuget/acme/*", "format nuget has no namespace"),
        ("/pypi/req~", "format pypi has no namespace"),
        ("/maven//log4j$", "format maven packages always have a namespace"),
    ],
)
def test_parse_rejects_invalid_patterns(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match="invalid package pattern") as info:
        PackagePattern(text)
    assert reason in str(info.value)


# Known-answer table: pattern, package -> matches?
WIDGETS = ref("npm", "acme", "widgets")
WIDE = ref("npm", "acme", "wide")
OTHER_NS = ref("npm", "acme-labs", "widgets")
UNSCOPED = ref("npm", None, "widgets")
REQUESTS = ref("pypi", None, "requests")
LOG4J = ref("maven", "com.acme.logging", "log4j")


@pytest.mark.parametrize(
    ("text", "package", "expected"),
    [
        ("/*", WIDGETS, True),
        ("/*", REQUESTS, True),
        ("/npm/*", WIDGETS, True),
        ("/npm/*", UNSCOPED, True),
        ("/npm/*", REQUESTS, False),
        ("/npm/acme/*", WIDGETS, True),
        ("/npm/acme/*", OTHER_NS, False),
        ("/npm/acme/*", UNSCOPED, False),
        ("/npm//*", UNSCOPED, True),
        ("/npm//*", WIDGETS, False),
        ("/npm/acme~", WIDGETS, True),
        ("/npm/acme~", OTHER_NS, True),
        ("/npm/acme~", UNSCOPED, False),
        ("/npm/acme/wid~", WIDGETS, True),
        ("/npm/acme/wid~", WIDE, True),
        ("/npm/acme/widg~", WIDE, False),
        ("/npm/acme/wid~", OTHER_NS, False),
        ("/npm/acme/widgets$", WIDGETS, True),
        ("/npm/acme/widgets$", OTHER_NS, False),
        ("/npm/acme/widget$", WIDGETS, False),
        ("/npm//widgets$", UNSCOPED, True),
        ("/npm//widgets$", WIDGETS, False),
        ("/pypi//requests$", REQUESTS, True),
        ("/pypi//requests$", ref("pypi", None, "requests-oauthlib"), False),
        ("/pypi//requests~", ref("pypi", None, "requests-oauthlib"), True),
        ("/maven/com.acme~", LOG4J, True),
        ("/maven/com.acme/*", LOG4J, False),
        ("/maven/com.acme.logging/log4j$", LOG4J, True),
    ],
)
def test_matching_table(text: str, package: PackageRef, expected: bool) -> None:
    assert PackagePattern(text).matches(package) is expected


def test_specificity_strongest_first() -> None:
    # Given patterns that all match npm/acme/widgets
    texts = [
        "/*",
        "/npm/*",
        "/npm/ac~",
        "/npm/acme~",
        "/npm/acme/*",
        "/npm/acme/w~",
        "/npm/acme/wid~",
        "/npm/acme/widgets$",
    ]
    patterns = [PackagePattern(t) for t in texts]
    assert all(p.matches(WIDGETS) for p in patterns)
    # Then specificity orders them exactly as listed (each one stronger than the previous)
    ranked = sorted(patterns, key=lambda p: p.specificity)
    assert [p.text for p in ranked] == texts
    assert len({p.specificity for p in patterns}) == len(patterns)


def test_equality_hash_and_immutability() -> None:
    a, b = PackagePattern("/npm/*"), PackagePattern("/npm/*")
    assert a == b
    assert hash(a) == hash(b)
    assert a != PackagePattern("/npm//*")
    assert a != "/npm/*"
    with pytest.raises(AttributeError):
        a.text = "/*"


class _Holder(BaseModel):
    patterns: list[PackagePattern]


def test_model_field_accepts_strings_and_dumps_strings() -> None:
    holder = _Holder.model_validate({"patterns": ["/npm/*", PackagePattern("/pypi//requests$")]})
    assert holder.patterns == [PackagePattern("/npm/*"), PackagePattern("/pypi//requests$")]
    assert holder.model_dump(mode="json") == {"patterns": ["/npm/*", "/pypi//requests$"]}


def test_model_field_schema_is_a_string_with_pattern() -> None:
    import re

    schema = _Holder.model_json_schema()["properties"]["patterns"]["items"]
    assert schema["type"] == "string"
    regex = re.compile(schema["pattern"])
    for good in ["/*", "/npm/*", "/npm/acme~", "/npm//*", "/npm/acme/wid~", "/pypi//requests$"]:
        assert regex.match(good), good
    for bad in ["npm/*", "/npm", "/npm/acme$", "/npm/a*/b$"]:
        assert not regex.match(bad), bad


def encode(component: str) -> str:
    # quote() leaves '~' alone (RFC 3986 unreserved), but here it is pattern syntax.
    return quote(component, safe="").replace("~", "%7E")


_COMPONENT = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=12)


@given(namespace=_COMPONENT, name=_COMPONENT, other=_COMPONENT)
def test_encoded_patterns_match_any_coordinates(namespace: str, name: str, other: str) -> None:
    # Given arbitrary coordinates (including '/', '$', '~', '*', '%'), percent-encoded
    enc_ns, enc_name = encode(namespace), encode(name)
    package = ref("generic", namespace, name)
    # Then the exact pattern and every name prefix match, and a different name does not match exactly
    assert PackagePattern(f"/generic/{enc_ns}/{enc_name}$").matches(package)
    assert PackagePattern(f"/generic/{enc_ns}/{encode(name[:1])}~").matches(package)
    assert PackagePattern(f"/generic/{enc_ns}~").matches(package)
    assert PackagePattern(f"/generic/{enc_ns}/*").matches(package)
    assert PackagePattern(f"/generic/{enc_ns}/{encode(other)}$").matches(package) is (other == name)


def test_copy_and_pickle_keep_the_pattern() -> None:
    import copy
    import pickle

    pattern = PackagePattern("/npm/acme/wid~")
    assert copy.deepcopy(pattern) is pattern
    restored = pickle.loads(pickle.dumps(pattern))
    assert restored == pattern
    assert restored.specificity == (int(PatternKind.NAME_PREFIX), 3)
