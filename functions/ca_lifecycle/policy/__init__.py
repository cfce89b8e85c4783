"""The retention policy language (v1): models, package-group patterns, loading and the schema.

Import from here; the submodules are an implementation detail. Nothing here imports PyYAML
at module scope (``load_policy`` imports it only for a YAML file), so the Lambda can load it.
"""

from __future__ import annotations

from ca_lifecycle.policy.durations import Duration, format_duration, parse_duration
from ca_lifecycle.policy.errors import PolicyError
from ca_lifecycle.policy.loader import load_policy, parse_policy, policy_json_schema
from ca_lifecycle.policy.model import (
    ArchiveCondition,
    DisposeRule,
    Guardrails,
    Mode,
    Ordering,
    OriginLock,
    OriginLockSetting,
    PackagePolicy,
    PolicyDocument,
    ProtectRule,
    Scope,
    ScopeMatcher,
    UsageSettings,
    VersionMatcher,
    compile_version_selector,
)
from ca_lifecycle.policy.patterns import PackagePattern, PatternKind, Specificity

__all__ = [
    "ArchiveCondition",
    "DisposeRule",
    "Duration",
    "Guardrails",
    "Mode",
    "Ordering",
    "OriginLock",
    "OriginLockSetting",
    "PackagePattern",
    "PackagePolicy",
    "PatternKind",
    "PolicyDocument",
    "PolicyError",
    "ProtectRule",
    "Scope",
    "ScopeMatcher",
    "Specificity",
    "UsageSettings",
    "VersionMatcher",
    "compile_version_selector",
    "format_duration",
    "load_policy",
    "parse_duration",
    "parse_policy",
    "policy_json_schema",
]
