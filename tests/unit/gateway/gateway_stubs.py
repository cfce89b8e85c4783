"""Packages and request parameters shared by the gateway's stubbed-client tests."""

from __future__ import annotations

from ca_lifecycle.facts import PackageRef

NPM = PackageRef("acme", "release", "npm", "acme", "widgets", "111122223333")
PYPI = PackageRef("acme", "release", "pypi", None, "requests")
NPM_PARAMS = {
    "domain": "acme",
    "domainOwner": "111122223333",
    "repository": "release",
    "format": "npm",
    "namespace": "acme",
    "package": "widgets",
}
