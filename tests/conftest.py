"""Session-wide test setup: dummy AWS credentials so nothing can reach a real account."""

from __future__ import annotations

import os

# The emulator's fixtures (`emulator`, `codeartifact`) for every test.
pytest_plugins = ["ca_emulator.pytest_plugin"]

# Set before any boto3 client exists; moto and the emulator accept any credentials.
for _key, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}.items():
    os.environ[_key] = _value
os.environ.pop("AWS_PROFILE", None)

# Property tests draw the same examples on every run (`make test` and CI cannot flake on a
# newly drawn case); `HYPOTHESIS_PROFILE=explore make test` draws new ones to hunt for bugs.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("deterministic", derandomize=True)
_hypothesis_settings.register_profile("explore", derandomize=False)
_hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))
