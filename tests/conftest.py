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
