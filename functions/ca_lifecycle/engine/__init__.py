"""The pure decision engine: ``evaluate`` turns one package's facts into decisions.

No boto3, no I/O, no clock reads: callers pass ``now`` and every fact (see
``ca_lifecycle.facts``). Imports only facts, policy and versions. The contract is
``Evaluation``; the semantics are DESIGN.md "The policy language (v1)" (the team's design
notes), restated in the README's "The policy".

The choices the design leaves open (unparseable versions, what counts, protect on Archived
versions, duplicates, unknown prerelease-ness, the archive window, first sightings, missing
facts) are made here and written down in docs/decisions.md, "Engine semantics".
"""

from __future__ import annotations

from ca_lifecycle.engine.core import PreparedEvaluation, evaluate, prepare
from ca_lifecycle.engine.model import Decision, Evaluation, FactRequest

__all__ = ["Decision", "Evaluation", "FactRequest", "PreparedEvaluation", "evaluate", "prepare"]
