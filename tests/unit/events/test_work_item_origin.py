"""A sweep work item carries the origin configuration its ListPackages page listed."""

from __future__ import annotations

import json

import pytest
from ca_lifecycle.facts import OriginConfig, PackageRef, Restriction
from ca_lifecycle.messages import InvalidMessage, PackageWorkItem, parse_work_message

REF = PackageRef("acme", "release", "npm", "acme", "widgets", "111122223333")


def test_an_item_with_an_origin_round_trips_through_the_parser() -> None:
    origin = OriginConfig(Restriction.ALLOW, Restriction.BLOCK)
    body = PackageWorkItem.for_package(REF, origin).model_dump_json()
    parsed = parse_work_message(body)
    assert isinstance(parsed, PackageWorkItem)
    assert parsed.known_origin() == origin
    assert json.loads(body)["origin"] == {"publish": "ALLOW", "upstream": "BLOCK"}


def test_an_item_without_an_origin_has_no_origin_key_so_older_workers_accept_it() -> None:
    body = PackageWorkItem.for_package(REF).model_dump_json()
    assert "origin" not in json.loads(body)
    parsed = parse_work_message(body)
    assert isinstance(parsed, PackageWorkItem)
    assert parsed.known_origin() is None


def test_a_bad_origin_is_refused_naming_the_field() -> None:
    data = json.loads(PackageWorkItem.for_package(REF).model_dump_json())
    data["origin"] = {"publish": "MAYBE", "upstream": "BLOCK"}
    with pytest.raises(InvalidMessage) as error:
        parse_work_message(json.dumps(data))
    assert error.value.field == "origin.publish"
