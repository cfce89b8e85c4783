"""``--ledger-table``: the deployed DynamoDB ledger (moto), keyed like the worker's.

In-process (``main``), because moto intercepts DynamoDB and STS only inside this process;
the emulator's loopback endpoint is passed through untouched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ca_emulator import Emulator
from ca_lifecycle_cli.main import main
from cli_support import NOW, POLICY
from moto import mock_aws

pytestmark = pytest.mark.integration

ACCOUNT = "111122223333"  # the seed's account: the domain owner the worker sees in events
TABLE = "lifecycle-ledger"


@pytest.fixture
def table(seeded: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    # moto's STS answers GetCallerIdentity with this account.
    monkeypatch.setenv("MOTO_ACCOUNT_ID", ACCOUNT)
    with mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
        created = dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield created


def test_apply_and_plan_with_the_dynamodb_ledger_use_the_callers_account_in_keys(
    table: Any, seeded: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    # When applying with --ledger-table (the policy names no domain_owner)
    code = main(
        [
            "apply",
            "--simulated-clock",
            "--policy",
            str(POLICY),
            "--now",
            NOW,
            "--ledger-table",
            TABLE,
            "--yes",
            "--json",
        ]
    )

    # Then the archive times are in the table under the caller's account, as the worker keys them
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()
    keys = {(item["pk"], item["sk"]) for item in table.scan()["Items"]}
    assert (f"PKG#{ACCOUNT}#acme#release#npm#acme#widgets", "VER#2.3.0") in keys
    assert not any(pk.startswith("PKG#-#") for pk, _ in keys)

    # When planning 60 days later from the same table
    assert (
        main(
            [
                "plan",
                "--policy",
                str(POLICY),
                "--now",
                "2025-07-31T00:00:00Z",
                "--ledger-table",
                TABLE,
                "--json",
            ]
        )
        == 0
    )

    # Then the versions apply archived are disposable
    decisions = json.loads(capsys.readouterr().out)["decisions"]
    widgets = {d["version"]: d["action"] for d in decisions if d["package"] == "widgets"}
    assert (widgets["2.3.0"], widgets["2.4.0"], widgets["3.0.1-rc.1"]) == ("dispose", "dispose", "dispose")


def test_a_ledger_table_that_does_not_exist_is_named_in_one_line(
    table: Any, seeded: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a table name with a typo (DynamoDB answers only "Requested resource not found")
    # When planning with it
    code = main(
        ["plan", "--policy", str(POLICY), "--now", NOW, "--ledger-table", "lifecycle-ledgr", "--json"]
    )
    out, err = capsys.readouterr()
    # Then exit 3, nothing on stdout, and one line naming the flag, the table and the region
    assert (code, out) == (3, "")
    assert err == (
        "error: --ledger-table: no DynamoDB table 'lifecycle-ledgr' in us-east-1 "
        "(the stack's LedgerTableName output names it)\n"
    )
