"""CDK entry point: validate the policy, stage the asset, synthesize ``cdk.out/``.

Runs two ways with the same result:
- ``cdk synth`` / ``cdk deploy`` (``cdk.json``: ``"app": ".venv/bin/python infra/app.py"``): the
  CLI passes the merged context and the output folder in the environment;
- ``python infra/app.py [-c KEY=VALUE ...] [-o DIR]`` (``make synth``): no Node CLI needed; the
  context comes from ``cdk.json`` plus ``-c`` overrides, output goes to ``cdk.out``.

Context keys: ``policy_file`` (YAML or JSON), ``stage``, ``alarm_email``, ``sweep_schedule``,
``worker_max_concurrency``, ``emergency_stop``, ``spike_per_hour``, ``digest_schedule``,
``digest_within``, ``digest_email``, ``price_per_gb_month``, and optionally ``powertools_layer_arn``,
``ledger_table_name``, ``asset_dir``; ``engine_account`` (plus optional ``forward_domains``)
adds the ``DomainOwnerForwarder`` stack for a domain owner's account (docs/deploy.md).
A policy that fails validation stops synth with exit code 2 and one line per field error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
# Running as a script puts infra/ (not the project root) on sys.path; the functions/ entry
# lets a checkout without an editable install still import ca_lifecycle.
for _path in (ROOT, ROOT / "functions"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

# jsii's Node runtime starts on the first aws_cdk import: silence its Node-version banner
# (Node 20 synthesizes fine; a 12-line banner would bury the real messages) before that.
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

if TYPE_CHECKING:
    from ca_lifecycle.policy import PolicyDocument

    from infra.construct import LifecycleSettings

EXIT_INVALID = 2
DEFAULT_OUTDIR = "cdk.out"
# CloudFormation's stack-name rule (the stage becomes part of the name), and a plain address
# check: SNS rejects a malformed e-mail only at deploy time, mid-stack, forcing a rollback.
_STAGE = re.compile(r"^[A-Za-z0-9-]{1,100}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ACCOUNT = re.compile(r"^\d{12}$")
# DynamoDB's table-name rule, checked here: an import by a bad name fails only at deploy.
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_TRUE, _FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no", ""})


def synth_warnings(assembly: Any) -> list[str]:
    """Every warning annotation of the synthesized stacks, as ``path: message`` lines."""
    from aws_cdk.cx_api import SynthesisMessageLevel

    lines: list[str] = []
    # jsii hands back plain CloudArtifact proxies, so no isinstance on the stack artifact type.
    for artifact in assembly.artifacts:
        for message in getattr(artifact, "messages", None) or []:
            if message.level == SynthesisMessageLevel.WARNING:
                lines.append(f"{message.id}: {message.entry.data}")
    return lines


class ConfigurationError(Exception):
    """A policy or context value that must stop synth; the message names the field."""


def read_context(argv_context: Sequence[str], cdk_json: Path = ROOT / "cdk.json") -> dict[str, Any]:
    """Context as the CDK CLI would pass it: its JSON if present, else cdk.json + overrides."""
    if "CDK_CONTEXT_JSON" in os.environ or "CONTEXT_OVERFLOW_LOCATION_ENV" in os.environ:
        context: dict[str, Any] = json.loads(os.environ.get("CDK_CONTEXT_JSON") or "{}")
        # The CLI moves a large context to a temp file and names it in this variable.
        if overflow := os.environ.get("CONTEXT_OVERFLOW_LOCATION_ENV"):
            context.update(json.loads(Path(overflow).read_text()))
    else:
        context = dict(json.loads(cdk_json.read_text()).get("context", {})) if cdk_json.is_file() else {}
    for item in argv_context:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigurationError(f"-c {item!r}: expected KEY=VALUE")
        context[key] = value
    return context


def load_validated_policy(path: Path) -> PolicyDocument:
    """The policy, validated by the runtime's own model, or a ConfigurationError listing every field."""
    from ca_lifecycle.policy import PolicyError, load_policy

    if not path.is_file():
        raise ConfigurationError(f"policy_file: {path} does not exist")
    try:
        return load_policy(path)
    except PolicyError as error:
        lines = "\n".join(f"  {message}" for message in error.errors)
        raise ConfigurationError(f"policy_file: {path} is not a valid policy:\n{lines}") from error


def flag_from_context(context: Mapping[str, Any], key: str) -> bool:
    """A boolean context value: JSON true/false from cdk.json, or the string ``-c`` passes."""
    value = context.get(key, False)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ConfigurationError(f"{key}: expected true or false, got {value!r}")


def settings_from_context(context: Mapping[str, Any], asset_dir: Path | None) -> LifecycleSettings:
    from infra.construct import LifecycleSettings

    defaults = LifecycleSettings()
    raw_concurrency = context.get("worker_max_concurrency", defaults.worker_max_concurrency)
    try:
        concurrency = int(raw_concurrency)
    except (TypeError, ValueError):
        raise ConfigurationError(
            f"worker_max_concurrency: expected an integer, got {raw_concurrency!r}"
        ) from None
    alarm_email = str(context.get("alarm_email") or "").strip()
    if alarm_email and not _EMAIL.match(alarm_email):
        raise ConfigurationError(f"alarm_email: expected an e-mail address, got {alarm_email!r}")
    ledger_table = str(context.get("ledger_table_name") or "").strip()
    if ledger_table and not _TABLE_NAME.match(ledger_table):
        raise ConfigurationError(f"ledger_table_name: not a DynamoDB table name: {ledger_table!r}")
    raw_spike = context.get("spike_per_hour", defaults.spike_per_hour)
    try:
        spike_per_hour = int(raw_spike)
    except (TypeError, ValueError):
        raise ConfigurationError(f"spike_per_hour: expected an integer, got {raw_spike!r}") from None
    digest_email = str(context.get("digest_email") or "").strip()
    if digest_email and not _EMAIL.match(digest_email):
        raise ConfigurationError(f"digest_email: expected an e-mail address, got {digest_email!r}")
    raw_price = context.get("price_per_gb_month", defaults.price_per_gb_month)
    try:
        price = float(raw_price)
    except (TypeError, ValueError):
        raise ConfigurationError(f"price_per_gb_month: expected a number, got {raw_price!r}") from None
    settings = LifecycleSettings(
        sweep_schedule=str(context.get("sweep_schedule") or defaults.sweep_schedule),
        worker_max_concurrency=concurrency,
        alarm_email=alarm_email or None,
        log_level=str(context.get("log_level") or defaults.log_level),
        powertools_layer_arn=str(context.get("powertools_layer_arn") or "") or None,
        asset_dir=asset_dir,
        emergency_stop=flag_from_context(context, "emergency_stop"),
        ledger_table_name=ledger_table or None,
        spike_per_hour=spike_per_hour,
        digest_schedule=str(context.get("digest_schedule") or defaults.digest_schedule),
        digest_within=str(context.get("digest_within") or defaults.digest_within),
        digest_email=digest_email or None,
        price_per_gb_month=price,
    )
    try:
        settings.validate()
    except ValueError as error:
        raise ConfigurationError(str(error)) from None
    return settings


def forwarding_from_context(
    context: Mapping[str, Any], policy: PolicyDocument
) -> tuple[str, list[str]] | None:
    """(engine account, domains) when the forwarder stack is asked for, else None."""
    engine_account = str(context.get("engine_account") or "").strip()
    if not engine_account:
        return None
    if not _ACCOUNT.match(engine_account):
        raise ConfigurationError(f"engine_account: must be a 12-digit AWS account id, got {engine_account!r}")
    raw = str(context.get("forward_domains") or "")
    domains = [d.strip() for d in raw.split(",") if d.strip()] or sorted(
        {domain for domain, owner in policy.domains() if owner}
    )
    if not domains:
        raise ConfigurationError(
            "forward_domains: the policy names no domain with a domain_owner; list the domains to forward"
        )
    return engine_account, domains


def stage_from_context(context: Mapping[str, Any]) -> str:
    """The stage, checked before CDK turns a bad one into a stack-name traceback."""
    stage = str(context.get("stage") or "dev")
    if not _STAGE.match(stage):
        raise ConfigurationError(
            "stage: letters, digits and '-' only (it is part of the CloudFormation stack name), "
            f"got {stage!r}"
        )
    return stage


def _resolve(path: str) -> Path:
    """A context path: absolute, else relative to the working directory (the CDK CLI runs in
    the project folder), else to the project folder itself."""
    candidate = Path(path)
    if candidate.is_absolute() or (Path.cwd() / candidate).exists():
        return Path.cwd() / candidate
    return ROOT / candidate


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="infra/app.py", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("-c", "--context", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument(
        "-o", "--output", default=None, help=f"cloud assembly folder (default {DEFAULT_OUTDIR})"
    )
    args = parser.parse_args(argv)

    try:
        context = read_context(args.context)
        policy = load_validated_policy(_resolve(str(context.get("policy_file") or "examples/policy.yaml")))
        asset_dir = _resolve(str(context["asset_dir"])) if context.get("asset_dir") else None
        settings = settings_from_context(context, asset_dir)
        stage = stage_from_context(context)
        forwarding = forwarding_from_context(context, policy)
    except ConfigurationError as error:
        print(f"synth failed: {error}", file=sys.stderr)
        return EXIT_INVALID

    from aws_cdk import App, Environment

    from infra.stack import (
        CodeArtifactLifecycleStack,
        DomainOwnerForwarderStack,
        forwarder_stack_name,
        stack_name,
    )

    # Under the CDK CLI, CDK_OUTDIR names the folder it will read; only pick one ourselves
    # when running standalone.
    outdir = None if "CDK_OUTDIR" in os.environ else (args.output or DEFAULT_OUTDIR)
    app = App(context=context, outdir=outdir)
    # Environment-agnostic unless a region is named: then the layer lookup happens at synth.
    region = str(context.get("region") or "").strip() or None
    env = Environment(region=region) if region else None
    try:
        CodeArtifactLifecycleStack(
            app,
            stack_name(stage),
            policy=policy,
            stage=stage,
            settings=settings,
            env=env,
            description=f"codeartifact-lifecycle ({stage}): CodeArtifact retention and origin-lock "
            "automation",
        )
        if forwarding is not None:
            engine_account, domains = forwarding
            # Deployed in the domain owner's account: cdk deploy <this stack's name>.
            DomainOwnerForwarderStack(
                app,
                forwarder_stack_name(stage),
                engine_account=engine_account,
                domains=domains,
                stage=stage,
                env=env,
                description=f"codeartifact-lifecycle ({stage}): forwards CodeArtifact events to "
                f"{engine_account}",
            )
        assembly = app.synth()
    except ValueError as error:  # a construct's own check, e.g. no Powertools layer in the region
        print(f"synth failed: {error}", file=sys.stderr)
        return EXIT_INVALID
    if outdir is not None:
        # The CDK CLI prints construct warnings itself; standalone, nobody would see them.
        for warning in synth_warnings(assembly):
            print(f"warning: {warning}", file=sys.stderr)
        print(f"cloud assembly written to {assembly.directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
