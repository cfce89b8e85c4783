"""The v1 policy language (DESIGN.md, "The policy language (v1)") as frozen pydantic models.

One model serves the CDK app (validated at synth), the Lambda functions and the CLI, so a
policy that validates anywhere validates everywhere. Every model forbids unknown keys: a
misspelled ``neweset`` must fail loudly, never fall back to a default.

Checks that involve several keys (a rule needs at least one selector, ``per`` needs
``newest``, ids are unique …) raise a ``policy_rule`` error whose context lists
``(sub-path, message)`` issues; :mod:`ca_lifecycle.policy.errors` turns them into
``field.path: message`` lines.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Collection, Iterable
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Literal, NamedTuple

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StrictBool,
    StrictFloat,
    StrictInt,
    Tag,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ca_lifecycle.facts import OriginType, PackageRef, Restriction
from ca_lifecycle.policy.durations import Duration
from ca_lifecycle.policy.patterns import PackagePattern, Specificity
from ca_lifecycle.policy.regex_safety import UnsafeRegexError, check_regex

# CodeArtifact's own limits for a domain name: 2-50 chars, lowercase, starts with a letter.
DOMAIN_NAME_PATTERN = r"^[a-z][a-z0-9-]{0,48}[a-z0-9]$"
ACCOUNT_ID_PATTERN = r"^[0-9]{12}$"
# Policy ids end up in ledger keys, log fields and metric dimensions: keep them slugs.
POLICY_ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"

RULE_ERROR = "policy_rule"


def rule_error(issues: Iterable[tuple[str, str]]) -> PydanticCustomError:
    """An error on a model that names sub-paths: ``[("per", "only with newest")]``."""
    listed = [(at, message) for at, message in issues]
    summary = "; ".join(f"{at}: {message}" if at else message for at, message in listed)
    return PydanticCustomError(RULE_ERROR, "{summary}", {"summary": summary, "issues": listed})


def duplicate_id_message(policy_id: str, first_index: int) -> str:
    return f"duplicate id {policy_id!r} (also policies[{first_index}])"


class Mode(StrEnum):
    DRY_RUN = "dry-run"
    ENFORCE = "enforce"


class Ordering(StrEnum):
    AUTO = "auto"
    SEMVER = "semver"
    PEP440 = "pep440"
    MAVEN = "maven"
    NUGET = "nuget"
    RUBY = "ruby"
    PUBLISHED = "published"


class VersionMatcher(NamedTuple):
    """One compiled ``versions`` entry. Compares by value, so equal policies compare equal."""

    regex: re.Pattern[str]
    search: bool  # regexes ("re:") search anywhere; globs must match the whole version

    def __call__(self, version: str) -> bool:
        found = self.regex.search(version) if self.search else self.regex.match(version)
        return found is not None


@functools.lru_cache(maxsize=1024)
def compile_version_selector(text: str) -> VersionMatcher:
    """``"2.4.*"`` (fnmatch glob, case-sensitive, whole version) or ``"re:<regex>"`` (re.search)."""
    if text.startswith("re:"):
        try:
            compiled = re.compile(text[3:])
            check_regex(text[3:])
        except (re.error, UnsafeRegexError) as exc:
            raise PydanticCustomError(
                "version_selector",
                "invalid regex {value}: {reason}",
                {"value": repr(text), "reason": str(exc)},
            ) from None
        return VersionMatcher(compiled, search=True)
    if not text:
        raise PydanticCustomError("version_selector", "empty version selector", {})
    return VersionMatcher(re.compile(fnmatch.translate(text)), search=False)


def _check_selector(text: str) -> str:
    compile_version_selector(text)
    return text


VersionSelector = Annotated[str, AfterValidator(_check_selector)]
RepositoryGlob = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _VersionFilter(_Model):
    """Shared by protect rules and archive conditions: matching on the ``versions`` key."""

    _selectors: tuple[VersionMatcher, ...] = PrivateAttr(default=())

    def model_post_init(self, context: object, /) -> None:
        versions: list[str] | None = getattr(self, "versions", None)
        self._selectors = tuple(compile_version_selector(v) for v in versions or ())

    def versions_match(self, version: str) -> bool:
        """True when the rule has no ``versions`` key or one of its selectors matches."""
        if not self._selectors:
            return True
        return any(selector(version) for selector in self._selectors)


class ProtectRule(_VersionFilter):
    """Keeps matching versions whatever the archive conditions say. Keys are ANDed."""

    newest: Annotated[StrictInt, Field(ge=1)] | None = Field(
        default=None, description="The N highest versions (by the policy's ordering) among live versions."
    )
    per: Literal["major", "minor"] | None = Field(
        default=None, description="Apply `newest` within each major (or major.minor) line."
    )
    prerelease: StrictBool | None = Field(
        default=None, description="Narrow the rule to prereleases (true) or to releases (false)."
    )
    published_within: Duration | None = Field(default=None, description="Published less than this ago.")
    versions: Annotated[list[VersionSelector], Field(min_length=1)] | None = Field(
        default=None, description='Globs like "2.4.*" or regexes written "re:<regex>".'
    )
    downloaded_within: Duration | None = Field(
        default=None,
        description="Downloaded (CloudTrail ReadFromRepository) less than this ago; a version never "
        "downloaded counts from its publish time. Needs usage tracking (see `usage`).",
    )

    @model_validator(mode="after")
    def _needs_a_selector(self) -> ProtectRule:
        issues: list[tuple[str, str]] = []
        if (
            self.newest is None
            and self.published_within is None
            and self.versions is None
            and self.downloaded_within is None
        ):
            issues.append(
                (
                    "",
                    "a protect rule needs at least one of newest, published_within, versions, "
                    "downloaded_within",
                )
            )
        if self.per is not None and self.newest is None:
            issues.append(("per", "only allowed together with newest"))
        if issues:
            raise rule_error(issues)
        return self


class ArchiveCondition(_VersionFilter):
    """Archives a live version when every key of the condition holds (keys are ANDed)."""

    beyond_newest: Annotated[StrictInt, Field(ge=0)] | None = Field(
        default=None, description="Ranked below the N highest live versions."
    )
    published_before: Duration | None = Field(default=None, description="Published more than this ago.")
    prerelease: StrictBool | None = Field(default=None, description="Only prereleases (true) or releases.")
    versions: Annotated[list[VersionSelector], Field(min_length=1)] | None = Field(
        default=None, description='Globs like "2.4.*" or regexes written "re:<regex>".'
    )

    not_downloaded_for: Duration | None = Field(
        default=None,
        description="Not downloaded for at least this long (a version never downloaded counts from its "
        "publish time). Archives only: disposal still needs dispose.archived_for.",
    )

    @model_validator(mode="after")
    def _needs_a_key(self) -> ArchiveCondition:
        if (
            self.beyond_newest is None
            and self.published_before is None
            and self.prerelease is None
            and self.versions is None
            and self.not_downloaded_for is None
        ):
            raise rule_error(
                [
                    (
                        "",
                        "an archive condition needs at least one of beyond_newest, published_before, "
                        "prerelease, versions, not_downloaded_for",
                    )
                ]
            )
        return self


class DisposeRule(_Model):
    archived_for: Duration = Field(description="Time since the ledger recorded the archive.")
    notice: Duration | None = Field(
        default=None,
        description="A version is disposed only after it appeared in a delivered digest (notice) "
        "at least this long before; without a delivered notice it is kept.",
    )


class OriginLockSetting(_Model):
    publish: Restriction
    upstream: Restriction


def _origin_lock_kind(value: object) -> str | None:
    if isinstance(value, str) or value is False:
        return "<mode>"
    if isinstance(value, dict | OriginLockSetting):
        return "<setting>"
    return None


def _off_from_false(value: object) -> object:
    # YAML 1.1 (PyYAML) reads an unquoted `off` as false; it can only mean "off" here.
    return "off" if value is False else value


OriginLock = Annotated[
    Annotated[Literal["auto", "off"], BeforeValidator(_off_from_false), Tag("<mode>")]
    | Annotated[OriginLockSetting, Tag("<setting>")],
    Discriminator(
        _origin_lock_kind,
        custom_error_type="origin_lock",
        custom_error_message="must be 'auto', 'off' or {publish: ALLOW|BLOCK, upstream: ALLOW|BLOCK}",
    ),
]


class Scope(_Model):
    """Which packages a policy covers: domain, repositories (globs) and package-group patterns."""

    domain: str = Field(pattern=DOMAIN_NAME_PATTERN, description="CodeArtifact domain name.")
    domain_owner: str | None = Field(
        default=None, pattern=ACCOUNT_ID_PATTERN, description="12-digit account id owning the domain."
    )
    repositories: Annotated[list[RepositoryGlob], Field(min_length=1)] = Field(
        default_factory=lambda: ["*"], description="Repository names or fnmatch globs."
    )
    packages: Annotated[list[PackagePattern], Field(min_length=1)] = Field(
        default_factory=lambda: [PackagePattern("/*")],
        description="CodeArtifact package-group patterns ($ exact, ~ prefix, * all).",
    )
    exclude: list[PackagePattern] = Field(
        default_factory=list, description="Package-group patterns this policy never covers."
    )
    origin: Annotated[list[OriginType], Field(min_length=1)] | None = Field(
        default=None, description="Only packages with versions of these origin types."
    )

    _matcher: ScopeMatcher = PrivateAttr()

    @field_validator("domain_owner", mode="before")
    @classmethod
    def _owner_is_text(cls, value: object) -> object:
        if value is not None and not isinstance(value, str):
            # An unquoted YAML number loses leading zeros, so never coerce it.
            raise PydanticCustomError(
                "account_id_type", "must be a quoted string of 12 digits, got {value}", {"value": repr(value)}
            )
        return value

    def model_post_init(self, context: object, /) -> None:
        self._matcher = ScopeMatcher(self)

    @property
    def matcher(self) -> ScopeMatcher:
        """The precompiled matcher of this scope (what selection calls per package)."""
        return self._matcher

    def matches_domain(self, domain: str, domain_owner: str | None = None) -> bool:
        """An unknown owner (None) on either side matches: it means the caller's own account."""
        return self._matcher.matches_domain(domain, domain_owner)

    def matches_repository(self, repository: str) -> bool:
        return self._matcher.matches_repository(repository)

    def specificity_for(
        self, package: PackageRef, origin_types: Collection[OriginType] = ()
    ) -> Specificity | None:
        """How strongly this scope claims ``package``; None when it does not cover it.

        With ``origin`` set, the package must have a version of one of those origin types
        (``origin_types`` = the origin types seen among its versions; empty never matches).
        An excluded package is not covered, so a less specific policy may still claim it.
        """
        return self._matcher.specificity_for(package, origin_types)


def _glob_strength(glob: str) -> tuple[int, int]:
    """(1 for a literal name else 0, literal characters): how narrowly a glob names repositories."""
    wild = sum(glob.count(char) for char in "*?[")
    return (int(wild == 0), len(glob) - wild)


class ScopeMatcher:
    """A scope compiled for matching: plain attributes, no pydantic lookups on the hot path.

    Selection runs for every package of every sweep, so globs become one regex, patterns are
    sorted strongest first (the first match is the specificity), and repository answers are
    memoised (a domain has few repositories).
    """

    __slots__ = (
        "_domain",
        "_excludes",
        "_origins",
        "_owner",
        "_patterns",
        "_repo_cache",
        "_repo_re",
        "_repositories",
    )

    def __init__(self, scope: Scope) -> None:
        self._domain = scope.domain
        self._owner = scope.domain_owner
        self._repositories = tuple(scope.repositories)
        self._repo_re = re.compile("|".join(fnmatch.translate(g) for g in scope.repositories))
        self._repo_cache: dict[str, bool] = {}
        self._patterns = tuple(sorted(scope.packages, key=lambda p: p.specificity, reverse=True))
        self._excludes = tuple(scope.exclude)
        self._origins = frozenset(scope.origin) if scope.origin is not None else None

    def _key(self) -> tuple[object, ...]:
        return (self._domain, self._owner, self._repo_re, self._patterns, self._excludes, self._origins)

    def __eq__(self, other: object) -> bool:
        # pydantic compares private attributes too: equal scopes must give equal matchers.
        return isinstance(other, ScopeMatcher) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def matches_domain(self, domain: str, domain_owner: str | None) -> bool:
        if domain != self._domain:
            return False
        return self._owner is None or domain_owner is None or domain_owner == self._owner

    def matches_repository(self, repository: str) -> bool:
        known = self._repo_cache.get(repository)
        if known is None:
            known = self._repo_re.match(repository) is not None
            if len(self._repo_cache) < 10_000:  # bounded: names come from the account
                self._repo_cache[repository] = known
        return known

    def refinement(self, repository: str) -> tuple[int, int, int, int]:
        """Tie-break between scopes whose package patterns are equally specific (higher wins).

        CodeArtifact's association rule looks at package patterns only; a scope also narrows by
        repository, owner and origin, and the narrower one is the more specific: a literal
        repository name beats a glob, a glob with more literal characters beats a shorter one
        (``ci-*`` over ``*``), then a stated ``domain_owner``, then an ``origin`` filter.
        Only meaningful for a repository the scope matches.
        """
        literal, chars = max(
            (0, 0) if not fnmatch.fnmatchcase(repository, glob) else _glob_strength(glob)
            for glob in self._repositories
        )
        return (literal, chars, int(self._owner is not None), int(self._origins is not None))

    def specificity_for(
        self, package: PackageRef, origin_types: Collection[OriginType]
    ) -> Specificity | None:
        if not self.matches_domain(package.domain, package.domain_owner):
            return None
        if not self.matches_repository(package.repository):
            return None
        if self._origins is not None and self._origins.isdisjoint(origin_types):
            return None
        fmt, namespace, name = package.format, package.namespace, package.name
        for pattern in self._patterns:
            if pattern.matches_coordinates(fmt, namespace, name):
                if any(ex.matches_coordinates(fmt, namespace, name) for ex in self._excludes):
                    return None
                return pattern.specificity
        return None


class PackagePolicy(_Model):
    id: str = Field(pattern=POLICY_ID_PATTERN, description="Unique slug, reported with every decision.")
    scope: Scope
    ordering: Ordering = Field(default=Ordering.AUTO, description="How versions are ranked, highest first.")
    protect: list[ProtectRule] = Field(default_factory=list, description="Any match keeps the version.")
    archive: list[ArchiveCondition] = Field(
        default_factory=list, description="Published/Unlisted → Archived when any condition holds."
    )
    dispose: DisposeRule | None = Field(default=None, description="Archived → Disposed after a delay.")
    origin_lock: OriginLock = Field(default="off", description="auto | off | {publish, upstream}.")
    protect_default_version: StrictBool = Field(
        default=True,
        description="Keep the package's defaultDisplayVersion (what a plain `npm install pkg` resolves, "
        "npm's `latest` dist-tag), whatever the rank rules say.",
    )
    archive_unparseable: StrictBool = Field(
        default=False,
        description="Let rank-based rules (beyond_newest) archive versions that do not parse in the "
        "package's format. Off: such versions are skipped with a reason, since their rank is a guess.",
    )

    def specificity_for(
        self, package: PackageRef, origin_types: Collection[OriginType] = ()
    ) -> Specificity | None:
        return self.scope.specificity_for(package, origin_types)

    @property
    def uses_usage(self) -> bool:
        """Whether any rule needs download facts (downloaded_within / not_downloaded_for)."""
        return any(rule.downloaded_within is not None for rule in self.protect) or any(
            rule.not_downloaded_for is not None for rule in self.archive
        )


def _check_agent_pattern(text: str) -> str:
    compile_version_selector(text)  # same grammar: whole-text glob, or "re:" (safety-checked) search
    return text


UserAgentPattern = Annotated[str, AfterValidator(_check_agent_pattern)]


class UsageSettings(_Model):
    """How download (CloudTrail read) events are counted for downloaded_within / not_downloaded_for."""

    ignore_principals: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=list,
        description="Reads by these principals do not count: ARN globs (fnmatch), matched against "
        "userIdentity.arn, e.g. arn:aws:sts::*:assumed-role/scanner/*.",
    )
    ignore_user_agents: list[UserAgentPattern] = Field(
        default_factory=list,
        description='Reads whose userAgent matches do not count: globs ("Trivy*") or "re:<regex>".',
    )
    max_silence: Duration = Field(
        default=timedelta(days=1),
        description="Usage rules are suspended when no read event was ingested for longer than this "
        "(a missed event errs towards archiving).",
    )

    def agent_ignored(self, agent: str | None) -> bool:
        if agent is None:
            return False
        return any(compile_version_selector(pattern)(agent) for pattern in self.ignore_user_agents)

    def principal_ignored(self, arn: str | None) -> bool:
        if arn is None:
            return False
        return any(fnmatch.fnmatchcase(arn, glob) for glob in self.ignore_principals)


class Guardrails(_Model):
    keep_at_least: Annotated[StrictInt, Field(ge=0)] = Field(
        default=1, description="Live versions per package, never fewer."
    )
    max_archive_fraction: Annotated[StrictFloat, Field(gt=0, le=1)] = Field(
        default=0.5,
        description="Most of a package's live versions archived within archive_window. Archives this "
        "tool made inside the window count against it, so the re-evaluations our own status-change "
        "events trigger cannot cascade past the cap.",
    )
    archive_window: Duration = Field(
        default=timedelta(days=1),
        description="Rolling window over which max_archive_fraction is counted.",
    )
    restore_hold: Duration = Field(
        default=timedelta(days=30),
        description="When someone moves a version this tool archived back to Published or Unlisted, "
        "the tool holds it for this long instead of archiving it again.",
    )


class PolicyDocument(_Model):
    version: Literal[1]
    mode: Mode = Field(default=Mode.DRY_RUN, description="dry-run reports only; enforce writes.")
    policies: Annotated[list[PackagePolicy], Field(min_length=1)]
    guardrails: Guardrails = Field(default_factory=Guardrails)
    usage: UsageSettings = Field(default_factory=UsageSettings)

    _matchers: tuple[tuple[PackagePolicy, ScopeMatcher], ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _unique_and_unambiguous(self) -> PolicyDocument:
        issues: list[tuple[str, str]] = []
        first_by_id: dict[str, int] = {}
        # Same pattern + same domain/owner/repositories/origin: neither policy is more specific.
        seen: dict[tuple[object, ...], tuple[int, str]] = {}
        for index, policy in enumerate(self.policies):
            if policy.id in first_by_id:
                message = duplicate_id_message(policy.id, first_by_id[policy.id])
                issues.append((f"policies[{index}].id", message))
            else:
                first_by_id[policy.id] = index
            scope = policy.scope
            where = (
                scope.domain,
                scope.domain_owner,
                tuple(sorted(set(scope.repositories))),
                None if scope.origin is None else tuple(sorted(set(scope.origin))),
            )
            for p_index, pattern in enumerate(scope.packages):
                key = (*where, pattern.text)
                if key in seen and seen[key][0] != index:
                    other_index, other_id = seen[key]
                    issues.append(
                        (
                            f"policies[{index}].scope.packages[{p_index}]",
                            f"pattern {pattern.text!r} is ambiguous: policies[{other_index}] ({other_id!r}) "
                            "has the same pattern for the same domain and repositories",
                        )
                    )
                else:
                    seen.setdefault(key, (index, policy.id))
        if issues:
            raise rule_error(issues)
        return self

    def model_post_init(self, context: object, /) -> None:
        self._matchers = tuple((policy, policy.scope.matcher) for policy in self.policies)

    def select(self, package: PackageRef, origin_types: Collection[OriginType] = ()) -> PackagePolicy | None:
        """The policy whose scope claims ``package`` most specifically; the first listed wins a tie.

        Package patterns decide first (CodeArtifact's rule); between equally specific patterns
        the narrower repository / owner / origin filter wins (``ScopeMatcher.refinement``), so
        a policy for ``release`` beats one for ``*`` wherever either is listed.
        """
        best: PackagePolicy | None = None
        best_key: tuple[Specificity, tuple[int, int, int, int]] | None = None
        for policy, matcher in self._matchers:
            specificity = matcher.specificity_for(package, origin_types)
            if specificity is None:
                continue
            key = (specificity, matcher.refinement(package.repository))
            if best_key is None or key > best_key:
                best, best_key = policy, key
        return best

    @property
    def uses_usage(self) -> bool:
        """Whether any policy has a usage rule (the deployment then ingests read events)."""
        return any(policy.uses_usage for policy in self.policies)

    def domains(self) -> list[tuple[str, str | None]]:
        """Distinct (domain, domain_owner) pairs in order of first appearance."""
        pairs: dict[tuple[str, str | None], None] = {}
        for policy in self.policies:
            pairs.setdefault((policy.scope.domain, policy.scope.domain_owner), None)
        return list(pairs)
