"""Agreement of each version scheme with its reference implementation's own test vectors.

The vectors live in ``vectors/*.json`` (each names the upstream repository, path and commit it
was transcribed from). Every assertion a vector file implies is one check:

* ``ascending``: every earlier item < every later item (as Maven's checkVersionsOrder does);
* ``ascending_groups``: groups of equal versions in ascending order, every pair checked;
* ``equal``: every pair in a group compares equal;
* ``valid`` / ``invalid``: the scheme accepts / refuses the string;
* ``prerelease``: the scheme's prerelease flag.

Run ``python tests/unit/versions/conformance.py`` (from the repository root, in the venv) to
print the agreement per vector file as JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from ca_lifecycle.versions import InvalidVersion, ParsedVersion, parse_version

VECTORS = Path(__file__).resolve().parent / "vectors"

# vector file stem -> the scheme it checks
SUITES = {
    "maven": "maven",
    "maven_oracle": "maven",
    "nuget": "nuget",
    "semver": "semver",
    "pep440": "pep440",
    "ruby": "ruby",
}


@dataclass
class Agreement:
    suite: str
    scheme: str
    checks: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return (self.checks - len(self.failures)) / self.checks

    def check(self, ok: bool, label: str) -> None:
        self.checks += 1
        if not ok:
            self.failures.append(label)


def _parse(scheme: str, text: str) -> ParsedVersion | None:
    try:
        return parse_version(scheme, text)
    except InvalidVersion:
        return None


def _compare(scheme: str, left: str, right: str) -> str:
    """'<', '=', '>' or 'invalid' (either side unparseable)."""
    a, b = _parse(scheme, left), _parse(scheme, right)
    if a is None or b is None:
        return "invalid"
    return "<" if a.key < b.key else ">" if a.key > b.key else "="


def _pair_label(left: str, op: str, right: str) -> str:
    return f"{left!r} {op} {right!r}"


def agreement(suite: str) -> Agreement:
    scheme = SUITES[suite]
    data = json.loads((VECTORS / f"{suite}.json").read_text(encoding="utf-8"))
    result = Agreement(suite, scheme)
    for ascending in data.get("ascending", []):
        for left, right in combinations(ascending, 2):
            result.check(_compare(scheme, left, right) == "<", _pair_label(left, "<", right))
    groups = data.get("ascending_groups", [])
    for index, group in enumerate(groups):
        for left, right in combinations(group, 2):
            result.check(_compare(scheme, left, right) == "=", _pair_label(left, "==", right))
        for higher in groups[index + 1 :]:
            for left in group:
                for right in higher:
                    result.check(_compare(scheme, left, right) == "<", _pair_label(left, "<", right))
    for group in data.get("equal", []):
        for left, right in combinations(group, 2):
            result.check(_compare(scheme, left, right) == "=", _pair_label(left, "==", right))
    for text in data.get("valid", []):
        result.check(_parse(scheme, text) is not None, f"valid {text!r}")
    for text in data.get("invalid", []):
        result.check(_parse(scheme, text) is None, f"invalid {text!r}")
    for text, expected in data.get("prerelease", {}).items():
        parsed = _parse(scheme, text)
        result.check(
            parsed is not None and parsed.prerelease is expected, f"prerelease({text!r}) is {expected}"
        )
    return result


def main() -> None:
    report = {}
    for suite in SUITES:
        result = agreement(suite)
        report[suite] = {
            "scheme": result.scheme,
            "checks": result.checks,
            "agree": result.checks - len(result.failures),
            "agreement": round(result.ratio, 6),
            "exceptions": result.failures,
        }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
