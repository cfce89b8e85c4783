"""The Lambda functions' environment, parsed once into a model that fails naming the variable."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Text = Annotated[str, Field(min_length=1)]

# The asset root: the folder holding the ``ca_lifecycle`` package (``/var/task`` in Lambda).
ASSET_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A missing or invalid environment variable; the message starts with the variable's name."""


class Settings(BaseModel):
    # Field aliases ARE the environment variable names, so pydantic's error locations name them.
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    policy_file: Text = Field(alias="POLICY_FILE", description="Policy JSON, relative to the task root.")
    ledger_table: Text = Field(alias="LEDGER_TABLE", description="DynamoDB ledger table name.")
    work_queue_url: Annotated[str, Field(pattern=r"^https?://\S+$")] = Field(
        alias="WORK_QUEUE_URL", description="SQS work queue URL."
    )
    task_root: str | None = Field(default=None, alias="LAMBDA_TASK_ROOT")

    @property
    def policy_path(self) -> Path:
        path = Path(self.policy_file)
        if path.is_absolute():
            return path
        return Path(self.task_root).joinpath(path) if self.task_root else ASSET_ROOT / path


_M = TypeVar("_M", bound=BaseModel)


def _parse(model: type[_M], environ: Mapping[str, str] | None) -> _M:
    """``model`` from the environment (``os.environ`` by default); ``ConfigError`` names each
    bad variable."""
    env = os.environ if environ is None else environ
    try:
        return model.model_validate(dict(env))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: "
            + ("required environment variable is not set" if err["type"] == "missing" else err["msg"])
            for err in exc.errors(include_url=False)
        )
        raise ConfigError(problems) from None


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Parse the environment (``os.environ`` by default); raise ``ConfigError`` naming each bad variable."""
    return _parse(Settings, environ)


class DigestSettings(BaseModel):
    """The digest function's own variables (besides ``Settings``)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    topic_arn: Annotated[str, Field(pattern=r"^arn:[a-z-]+:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$")] = (
        Field(alias="DIGEST_TOPIC_ARN", description="SNS topic the digests are published to.")
    )
    within: Annotated[str, Field(pattern=r"^[1-9][0-9]*[wdh]$")] = Field(
        default="7d", alias="DIGEST_WITHIN", description="How far ahead a digest looks."
    )
    price_per_gb_month: Annotated[float, Field(gt=0)] = Field(
        default=0.05, alias="PRICE_PER_GB_MONTH", description="Storage price for the cost estimate."
    )


def load_digest_settings(environ: Mapping[str, str] | None = None) -> DigestSettings:
    return _parse(DigestSettings, environ)


class UsageFunctionSettings(BaseModel):
    """The usage function's environment (it needs no work queue)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    policy_file: Text = Field(alias="POLICY_FILE", description="Policy JSON, relative to the task root.")
    ledger_table: Text = Field(alias="LEDGER_TABLE", description="DynamoDB ledger table name.")
    own_role_names: str = Field(
        default="",
        alias="OWN_ROLE_NAMES",
        description="Comma-separated names of the engine's roles; their reads are not downloads.",
    )
    task_root: str | None = Field(default=None, alias="LAMBDA_TASK_ROOT")

    @property
    def policy_path(self) -> Path:
        path = Path(self.policy_file)
        if path.is_absolute():
            return path
        return Path(self.task_root).joinpath(path) if self.task_root else ASSET_ROOT / path

    @property
    def role_names(self) -> list[str]:
        return [name.strip() for name in self.own_role_names.split(",") if name.strip()]


def load_usage_settings(environ: Mapping[str, str] | None = None) -> UsageFunctionSettings:
    """Parse the usage function's environment; raise ``ConfigError`` naming each bad variable."""
    return _parse(UsageFunctionSettings, environ)
