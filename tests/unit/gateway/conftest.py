"""A gateway over a stubbed boto3 client: every request is asserted, nothing leaves the process."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import Stubber
from ca_lifecycle.gateway import CodeArtifactGateway


@pytest.fixture
def stubbed() -> Iterator[tuple[CodeArtifactGateway, Stubber]]:
    client = boto3.client("codeartifact", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield CodeArtifactGateway(client), stubber
        stubber.assert_no_pending_responses()
