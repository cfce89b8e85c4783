"""The JSON documents ``plan``/``apply`` and ``explain`` print, as pydantic models.

Every document goes through its model before it is printed, so the published JSON Schemas
(``schema/plan.schema.json``, ``schema/explain.schema.json``; ``ca-lifecycle schema --output``
regenerates them) describe exactly what the commands emit. A decision row is one shape in
both: ``explain`` adds the provenance of its facts to the same fields.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ActionName = Literal["archive", "dispose", "keep", "skip", "none"]
StatusName = Literal["Published", "Unfinished", "Unlisted", "Archived", "Disposed", "Deleted"]
RestrictionName = Literal["ALLOW", "BLOCK"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Coordinates(_Out):
    domain: str
    repository: str
    format: str
    namespace: str | None
    package: str


class Decision(Coordinates):
    version: str
    status: StatusName
    action: ActionName
    reason: str = Field(description="The rule or guard that decided, for people.")
    policy: str | None = Field(description="The policy id; null when no policy matches the package.")
    outcome: str | None = Field(
        default=None,
        description="apply only: done | skipped: … | failed: CODE … | not attempted (absent in plan).",
    )


class Restrictions(_Out):
    publish: RestrictionName
    upstream: RestrictionName


class Origin(Coordinates):
    current: Restrictions | None
    target: Restrictions
    outcome: str | None = None


class Counts(_Out):
    packages: int
    versions: int
    by_status: dict[str, int]
    actions: dict[ActionName, int]
    origins_to_lock: int
    bytes_to_free: int | None = Field(default=None, description="--sizes only.")


class RepositoryCounts(Counts):
    domain: str
    repository: str


class Summary(Counts):
    describes: int
    bytes_to_free_is_upper_bound: bool | None = Field(
        default=None, description="--sizes only: assets are stored once per domain, so always true."
    )
    monthly_cost_upper_bound_usd: float | None = Field(default=None, description="--sizes only.")
    price_per_gb_month_usd: float | None = Field(default=None, description="--sizes only.")
    outcomes: dict[str, int] | None = Field(default=None, description="apply only: outcomes by kind.")
    repositories: list[RepositoryCounts]


class PlanDocument(_Out):
    """``plan --json`` and ``apply --json``."""

    mode: Literal["dry-run", "enforce"]
    now: str = Field(description="The decision clock, ISO-8601 UTC.")
    decisions: list[Decision]
    origins: list[Origin]
    summary: Summary


class ExplainedVersion(_Out):
    version: str
    status: StatusName
    action: ActionName
    rule: str | None
    reason: str
    published: str | None
    published_source: str = Field(description="ledger | event | describe | inferred | unknown")
    archived_at: str | None
    archived_source: str | None
    last_downloaded: str | None = Field(
        default=None, description="Usage rules only: the ledger's newest recorded download (UTC day)."
    )


class ExplainDocument(_Out):
    """``explain --json``."""

    package: Coordinates
    policy: str | None
    mode: Literal["dry-run", "enforce"]
    now: str
    origin: Origin | None
    origin_reason: str
    describes: int
    versions: list[ExplainedVersion]
    bytes_to_free: int | None = None


def checked(model: type[_Out], document: dict[str, Any]) -> dict[str, Any]:
    """``document`` validated by ``model`` and dumped back (optional keys stay absent)."""
    return model.model_validate(document).model_dump(mode="json", exclude_unset=True)


def output_schemas() -> dict[str, dict[str, Any]]:
    return {
        "plan.schema.json": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "urn:codeartifact-lifecycle:plan-output:v1",
            **PlanDocument.model_json_schema(mode="serialization"),
        },
        "explain.schema.json": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "urn:codeartifact-lifecycle:explain-output:v1",
            **ExplainDocument.model_json_schema(mode="serialization"),
        },
    }
