"""Synthesize the CDK app ONCE per test session (a synth costs ~10 s) and share the result.

Two stacks in one app, both checked by cdk-nag's AwsSolutions pack:
- ``dry``: a dry-run policy over two domains, one pinned to an owner account, one not;
  default settings;
- ``enforce``: ``examples/enforce-npm.json`` (mode enforce) with non-default knobs (alarm
  e-mail, schedule, concurrency), so defaults and overrides are both asserted;
- ``stopped``: the enforce policy in a concrete GovCloud region (``us-gov-west-1``, partition
  ``aws-us-gov``) with the emergency stop on and an existing ledger table re-attached;
- ``forwarder``: the ``DomainOwnerForwarderStack`` a domain owner's account deploys;
- ``notice``: an enforce policy with a dispose notice and a digest e-mail (digests deployed).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from template_helpers import (
    DRY_RUN_POLICY,
    ENFORCE_SETTINGS,
    ENGINE_ACCOUNT,
    NOTICE_POLICY,
    STOPPED_LEDGER,
    STOPPED_REGION,
)

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``infra`` is a top-level folder, not an installed package
    sys.path.insert(0, str(ROOT))
# Before jsii's Node runtime starts (first aws_cdk import): no Node-version banner.
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@dataclass(frozen=True)
class Synthesized:
    stack: Any  # aws_cdk.Stack
    template: Any  # aws_cdk.assertions.Template
    asset_dir: Path

    @property
    def json(self) -> dict[str, Any]:
        result: dict[str, Any] = self.template.to_json()
        return result


@dataclass(frozen=True)
class SynthResult:
    dry: Synthesized
    enforce: Synthesized
    stopped: Synthesized
    forwarder: Synthesized
    notice: Synthesized
    outdir: Path
    usage: Synthesized | None = None  # examples/usage.yaml: the usage-ingestion resources


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    from aws_cdk import App as CdkApp
    from aws_cdk import Aspects, Environment
    from aws_cdk.assertions import Template
    from ca_lifecycle.policy import load_policy
    from cdk_nag import AwsSolutionsChecks

    from infra.construct import LifecycleSettings
    from infra.stack import CodeArtifactLifecycleStack, DomainOwnerForwarderStack

    base = tmp_path_factory.mktemp("infra")
    dry_policy = base / "dry-run.yaml"
    dry_policy.write_text(DRY_RUN_POLICY)
    notice_policy = base / "notice.yaml"
    notice_policy.write_text(NOTICE_POLICY)
    outdir = base / "cdk.out"
    app = CdkApp(outdir=str(outdir))
    Aspects.of(app).add(AwsSolutionsChecks())
    stacks = {
        "dry": CodeArtifactLifecycleStack(
            app,
            "Dry",
            policy=load_policy(dry_policy),
            stage="test",
            settings=LifecycleSettings(asset_dir=base / "asset-dry"),
        ),
        "enforce": CodeArtifactLifecycleStack(
            app,
            "Enforce",
            policy=load_policy(ROOT / "examples" / "enforce-npm.json"),
            stage="test",
            settings=LifecycleSettings(asset_dir=base / "asset-enforce", **ENFORCE_SETTINGS),
        ),
        "stopped": CodeArtifactLifecycleStack(
            app,
            "Stopped",
            policy=load_policy(ROOT / "examples" / "enforce-npm.json"),
            stage="test",
            settings=LifecycleSettings(
                asset_dir=base / "asset-stopped", emergency_stop=True, ledger_table_name=STOPPED_LEDGER
            ),
            env=Environment(region=STOPPED_REGION),
        ),
        "notice": CodeArtifactLifecycleStack(
            app,
            "Notice",
            policy=load_policy(notice_policy),
            stage="test",
            settings=LifecycleSettings(
                asset_dir=base / "asset-notice", digest_email="owners@example.com", spike_per_hour=50
            ),
        ),
        "forwarder": DomainOwnerForwarderStack(
            app, "Forwarder", engine_account=ENGINE_ACCOUNT, domains=["acme", "beta"], stage="test"
        ),
        "usage": CodeArtifactLifecycleStack(
            app,
            "Usage",
            policy=load_policy(ROOT / "examples" / "usage.yaml"),
            stage="test",
            settings=LifecycleSettings(
                asset_dir=base / "asset-usage", alarm_email="platform-alerts@example.com"
            ),
        ),
    }
    app.synth()  # runs the nag aspect; Template.from_stack reuses this synthesis
    return SynthResult(
        **{
            key: Synthesized(stack, Template.from_stack(stack), base / f"asset-{key}")
            for key, stack in stacks.items()
        },
        outdir=outdir,
    )
