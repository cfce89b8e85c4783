"""Name normalization, ARNs and pagination tokens."""

from __future__ import annotations

import pytest
from ca_emulator import tokens
from ca_emulator.errors import ValidationError
from ca_emulator.names import (
    display_name,
    normalize_name,
    normalize_namespace,
    normalize_version,
    package_arn,
)


@pytest.mark.parametrize(
    ("fmt", "given", "stored"),
    [
        ("pypi", "My_Package.Name", "my-package-name"),
        ("pypi", "a__b--c..d", "a-b-c-d"),
        ("pypi", "a._-b", "a-b"),
        ("pypi", "requests", "requests"),
        ("nuget", "Newtonsoft.Json", "newtonsoft.json"),
        ("swift", "Alamofire", "alamofire"),
        ("npm", "MixedCase", "MixedCase"),
        ("maven", "Commons_Lang", "Commons_Lang"),
        ("generic", "Tool.V2", "Tool.V2"),
    ],
)
def test_names_are_normalized_per_format(fmt: str, given: str, stored: str) -> None:
    assert normalize_name(fmt, given) == stored


@pytest.mark.parametrize(
    ("fmt", "given", "stored"),
    [("swift", "Apple", "apple"), ("maven", "com.Acme", "com.Acme"), ("npm", "", None), ("npm", None, None)],
)
def test_namespaces_are_normalized_per_format(fmt: str, given: str | None, stored: str | None) -> None:
    assert normalize_namespace(fmt, given) == stored


@pytest.mark.parametrize(
    ("fmt", "given", "stored"),
    [
        # nuget-name-normalization.html's examples, plus a prerelease label kept as given.
        ("nuget", "1.00", "1.0"),
        ("nuget", "1.01.1", "1.1.1"),
        ("nuget", "1.00.0.1", "1.0.0.1"),
        ("nuget", "1.0.0.0", "1.0.0"),
        ("nuget", "1.0.01.0", "1.0.1"),
        ("nuget", "1.0.7+r3456", "1.0.7"),
        ("nuget", "12.0.03.0", "12.0.3"),
        ("nuget", "2.0.01-Beta.1+sha.5", "2.0.1-Beta.1"),
        ("nuget", "1.2.3.4", "1.2.3.4"),
        ("nuget", "1.²", "1.²"),  # not an ASCII number: left alone, no crash
        # swift-name-normalization.html: "CodeArtifact does not normalize Swift package versions".
        ("swift", "1.0.0+build.01", "1.0.0+build.01"),
        ("npm", "01.0.0", "01.0.0"),
        ("maven", "1.0.0.0", "1.0.0.0"),
    ],
)
def test_versions_are_normalized_only_for_nuget(fmt: str, given: str, stored: str) -> None:
    assert normalize_version(fmt, given) == stored


def test_package_arn_without_namespace_has_an_empty_segment() -> None:
    arn = package_arn("us-west-2", "111122223333", "my_domain", "myrepo", "npm", None, "mypackage")
    assert arn == "arn:aws:codeartifact:us-west-2:111122223333:package/my_domain/myrepo/npm//mypackage"
    with_ns = package_arn("us-east-1", "111122223333", "acme", "release", "maven", "com.acme", "core")
    assert with_ns.endswith(":package/acme/release/maven/com.acme/core")


def test_npm_scoped_display_name() -> None:
    assert display_name("npm", "vue", "ui") == "@vue/ui"
    assert display_name("maven", "com.acme", "core") == "core"


def test_token_round_trips_its_cursor() -> None:
    fp = tokens.fingerprint("ListPackageVersions", "acme", "release", "npm", None, "w")
    token = tokens.encode([-1735689600000000, 42], fp)
    assert tokens.decode(token, fp) == [-1735689600000000, 42]
    assert "=" not in token  # opaque, URL-safe, no padding to escape


def test_token_from_another_query_is_rejected() -> None:
    token = tokens.encode([1], tokens.fingerprint("a", "Published"))
    with pytest.raises(ValidationError):
        tokens.decode(token, tokens.fingerprint("a", "Archived"))


@pytest.mark.parametrize("garbage", ["garbage", "e30", "!!!!", "eyJjIjogMX0"])
def test_malformed_token_is_a_validation_error(garbage: str) -> None:
    with pytest.raises(ValidationError):
        tokens.decode(garbage, "fp")
