"""A local CodeArtifact: its REST-JSON API on loopback, for tests, the demo and benchmarks.

Never part of the Lambda asset. Importable without moto; needs only botocore (and PyYAML for
YAML seed files)::

    with Emulator(event_sink=events_client) as emu:      # or load_seed("seed.yaml")
        emu.add_version("acme", "release", "npm", "acme", "widgets", "1.0.0")
        client = boto3.client("codeartifact", endpoint_url=emu.endpoint)
        emu.faults.throttle_every = 5                     # 429 + Retry-After on every 5th call
        emu.stats()                                       # {"ListPackageVersions": 3, ...}

Modules: ``protocol`` (routing, parsing, validation, serialization from botocore's model),
``store`` (state and each operation's semantics), ``assets`` (asset records and the default
files of seeded versions), ``groups`` (package-group patterns),
``events`` (EventBridge events and sinks), ``faults``, ``seed`` (seed files) and ``server``
(the Emulator and its HTTP server); ``pytest_plugin`` supplies the ``emulator`` and
``codeartifact`` fixtures.
"""

from __future__ import annotations

from ca_emulator.faults import Faults
from ca_emulator.seed import SeedError
from ca_emulator.server import Emulator, load_seed

__all__ = ["Emulator", "Faults", "SeedError", "load_seed"]
