"""The dev venv runs the libraries the pinned Powertools layer gives the functions in Lambda."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from infra import constants as c


def matches(installed: str, prefix: str) -> bool:
    """``installed`` starts with the release components of ``prefix`` ("2" ~ 2.x.y, "3.24" ~ 3.24.z)."""
    return installed.split(".")[: len(prefix.split("."))] == prefix.split(".")


@pytest.mark.parametrize("distribution", sorted(c.LAYER_LIBRARY_VERSIONS))
def test_installed_dev_version_is_what_the_layer_carries(distribution: str) -> None:
    pinned = c.LAYER_LIBRARY_VERSIONS[distribution]
    installed = version(distribution)
    assert matches(installed, pinned), (
        f"{distribution} {installed} is installed, but Powertools layer "
        f"{c.POWERTOOLS_LAYER_VERSION} carries {pinned}.x: the tests would not exercise what "
        f"Lambda runs. Install {distribution}=={pinned}.* or bump the layer and "
        "infra/constants.py LAYER_LIBRARY_VERSIONS together."
    )


@pytest.mark.parametrize(
    ("installed", "prefix", "expected"),
    [("2.14.4", "2", True), ("3.37.0", "3.37", True), ("3.4.0", "3.37", False), ("1.10.0", "1", True)],
)
def test_version_prefix_matching(installed: str, prefix: str, expected: bool) -> None:
    assert matches(installed, prefix) is expected
