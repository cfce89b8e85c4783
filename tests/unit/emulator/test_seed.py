"""Seed documents: loading, and errors that name the offending field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ca_emulator import Emulator, SeedError, load_seed

GOOD: dict[str, Any] = {
    "account": "111122223333",
    "region": "us-east-1",
    "domains": [
        {
            "name": "acme",
            "repositories": [
                {
                    "name": "release",
                    "packages": [
                        {
                            "format": "npm",
                            "namespace": "acme",
                            "name": "widgets",
                            "origin_configuration": {"publish": "ALLOW", "upstream": "ALLOW"},
                            "versions": [
                                {
                                    "version": "1.0.0",
                                    "status": "Published",
                                    "published": "2025-01-01T00:00:00Z",
                                },
                                {
                                    "version": "1.1.0",
                                    "status": "Archived",
                                    "published": "2025-02-01T00:00:00Z",
                                },
                            ],
                        },
                        {
                            "format": "pypi",
                            "name": "My_Pkg",
                            "versions": [{"version": "0.1", "origin": "EXTERNAL"}],
                        },
                    ],
                }
            ],
        }
    ],
}


def test_seed_loads_versions_statuses_and_origin_configuration() -> None:
    emu = load_seed(GOOD)
    assert emu.version_status("acme", "release", "npm", "acme", "widgets", "1.1.0") == "Archived"
    assert emu.origin_configuration("acme", "release", "npm", "acme", "widgets") == {
        "publish": "ALLOW",
        "upstream": "ALLOW",
    }
    # pypi names are normalized; an EXTERNAL first version gives the ingested default configuration.
    assert emu.version_status("acme", "release", "pypi", None, "my-pkg", "0.1") == "Published"
    assert emu.origin_configuration("acme", "release", "pypi", None, "my_pkg") == {
        "publish": "BLOCK",
        "upstream": "ALLOW",
    }
    assert emu.events == []


def test_seed_file_yaml_and_json(tmp_path: Path) -> None:
    yaml_file = tmp_path / "seed.yaml"
    yaml_file.write_text(
        "domains:\n  - name: acme\n    repositories:\n      - name: release\n        packages:\n"
        "          - {format: npm, name: w,\n"
        "             versions: [{version: '1.0.0', published: 2025-01-01T00:00:00Z}]}\n"
    )
    json_file = tmp_path / "seed.json"
    json_file.write_text(json.dumps(GOOD))
    emu = Emulator()
    emu.load_seed_file(yaml_file)
    emu.load_seed_file(json_file)
    assert emu.version_status("acme", "release", "npm", None, "w", "1.0.0") == "Published"
    assert emu.version_status("acme", "release", "npm", "acme", "widgets", "1.0.0") == "Published"


VERSION = "domains[0].repositories[0].packages[0].versions[0]"


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"status": "Gone"}, f"{VERSION}.status"),
        ({"origin": "SOMEWHERE"}, f"{VERSION}.origin"),
        ({"published": "yesterday"}, f"{VERSION}.published"),
        ({"version": None}, f"{VERSION}.version"),
        ({"colour": "red"}, f"{VERSION}.colour"),
    ],
)
def test_bad_version_fields_are_named(patch: dict[str, Any], field: str) -> None:
    version = {"version": "1.0.0", **patch}
    document = {
        "domains": [
            {
                "name": "acme",
                "repositories": [
                    {"name": "r1", "packages": [{"format": "npm", "name": "w", "versions": [version]}]}
                ],
            }
        ]
    }
    with pytest.raises(SeedError) as err:
        Emulator().load_seed(document)
    assert err.value.field == field
    assert str(err.value).startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({}, "domains"),
        ({"domains": "acme"}, "domains"),
        ({"domains": [{"name": "Bad_Domain"}]}, "domains[0].name"),
        ({"domains": [{"name": "acme", "repositories": [{"name": "r"}]}]}, "domains[0].repositories[0].name"),
        (
            {
                "domains": [
                    {
                        "name": "acme",
                        "repositories": [{"name": "r1", "packages": [{"format": "rpm", "name": "w"}]}],
                    }
                ]
            },
            "domains[0].repositories[0].packages[0].format",
        ),
        (
            {
                "domains": [
                    {
                        "name": "acme",
                        "repositories": [
                            {
                                "name": "r1",
                                "packages": [
                                    {
                                        "format": "npm",
                                        "name": "w",
                                        "origin_configuration": {"publish": "YES", "upstream": "ALLOW"},
                                    }
                                ],
                            }
                        ],
                    }
                ]
            },
            "domains[0].repositories[0].packages[0].origin_configuration.publish",
        ),
        ({"account": "123", "domains": []}, "account"),
    ],
)
def test_bad_structure_is_named(document: dict[str, Any], field: str) -> None:
    with pytest.raises(SeedError) as err:
        Emulator().load_seed(document)
    assert err.value.field == field


def test_duplicate_version_is_named() -> None:
    pkg = {"format": "npm", "name": "w", "versions": [{"version": "1.0.0"}, {"version": "1.0.0"}]}
    document = {"domains": [{"name": "acme", "repositories": [{"name": "r1", "packages": [pkg]}]}]}
    with pytest.raises(SeedError) as err:
        Emulator().load_seed(document)
    assert err.value.field == "domains[0].repositories[0].packages[0].versions[1].version"


def test_nuget_versions_equal_after_normalization_are_duplicates_and_nothing_is_loaded() -> None:
    # nuget-name-normalization.html: "1.0.0.0 is treated as 1.0.0", so a seed listing both
    # names one version twice; the whole seed is checked before anything is applied.
    first = {"format": "npm", "name": "w", "versions": [{"version": "1.0.0"}]}
    nuget = {"format": "nuget", "name": "N", "versions": [{"version": "1.0.0"}, {"version": "1.0.0.0"}]}
    document = {"domains": [{"name": "acme", "repositories": [{"name": "r1", "packages": [first, nuget]}]}]}
    emu = Emulator()
    with pytest.raises(SeedError) as err:
        emu.load_seed(document)
    assert err.value.field == "domains[0].repositories[0].packages[1].versions[1].version"
    assert emu.store.domains == {}


def test_seed_for_another_account_is_refused() -> None:
    with pytest.raises(SeedError) as err:
        Emulator(account="999999999999").load_seed(GOOD)
    assert err.value.field == "account"


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="cannot read"):
        load_seed(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("domains: [unclosed\n")
    with pytest.raises(SeedError, match="not valid YAML"):
        load_seed(broken)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        # Names no request could use (botocore's model: DomainName [a-z][a-z0-9\-]{0,48}[a-z0-9],
        # RepositoryName length 2-100, PackageName/PackageVersion without "#", "/" or whitespace).
        (lambda emu: emu.add_version("a", "release", "npm", None, "w", "1.0.0"), "domain"),
        (lambda emu: emu.add_version("Acme", "release", "npm", None, "w", "1.0.0"), "domain"),
        (lambda emu: emu.add_version("acme", "r", "npm", None, "w", "1.0.0"), "repository"),
        (lambda emu: emu.add_version("acme", "release", "npm", None, "a/b", "1.0.0"), "package"),
        (lambda emu: emu.add_version("acme", "release", "npm", "", "w", "1.0 beta"), "version"),
        (lambda emu: emu.add_versions("acme", "release", "npm", "a b", "w", []), "namespace"),
        (lambda emu: emu.create_domain("x"), "domain"),
        (lambda emu: emu.set_origin_configuration("acme", "release", "npm", None, "#w"), "package"),
    ],
)
def test_python_api_refuses_names_no_request_could_use(call: Any, field: str) -> None:
    emu = Emulator()
    with pytest.raises(ValueError, match=f"at '{field}'"):
        call(emu)
    assert emu.store.domains == {}
