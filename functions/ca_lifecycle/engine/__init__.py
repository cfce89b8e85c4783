"""The pure decision engine: ``evaluate`` turns one package's facts into decisions.

No boto3, no I/O, no clock reads: callers pass ``now`` and every fact (see
``ca_lifecycle.facts``). Imports only facts, policy and versions. The contract is
``Evaluation``; the semantics are DESIGN.md "The policy language (v1)" (the team's design
notes), restated in the README's "The policy".

Choices the spec leaves open, made here and stated in the decisions' reasons:

- A version the ranking scheme cannot parse ranks below every parseable version, among
  the unparseable ones by publish order (newest first); its reason says so.
- Counts (``newest``, ``per``, ``beyond_newest``) rank the full live set (Published and
  Unlisted, whatever other rules decide). A protect rule's own ``prerelease`` key chooses which
  kind of version its ``newest`` counts, so ``newest: 1, per: major, prerelease: false`` keeps
  the newest *release* of each major line even when a prerelease tops it: the protective
  reading, and the one a user writing that rule means. Its ``versions`` and age keys are
  ANDed onto the rank afterwards.
- A protect rule also holds an Archived version against disposal ("any match keeps the
  version, whatever else says"; disposal cannot be undone). ``newest`` counts live versions
  only, so in practice ``versions`` and ``published_within`` pins do this.
- A version string given twice (overlapping pages) is decided once, by its first fact; the
  repeat gets ``none``. Counting it twice would inflate ranks and the live count.
- Prerelease-ness unknown (unparseable, or a format without a grammar): a protect rule's
  ``prerelease`` key treats it as matching (errs towards keeping); an archive condition's
  ``prerelease`` key never matches it (no archive on a guess). For ``per`` such versions
  form one release line of their own.
- ``max_archive_fraction`` allows floor(fraction * (live + recent)) archives per rolling
  ``archive_window``, strictly, where ``recent`` are our own archives inside the window (one
  live version under 0.5 is never archived). Guardrails drop the highest-ranked archives first.
- An Archived version with no ledger archive time is listed in ``record_archived`` only when
  the policy has a dispose rule (the clock matters only then, and starting it later is safe).
- An age key the known publish times cannot settle makes the version ``skip`` with rule
  ``missing-fact`` only when the answer could change the action; a version kept whatever
  the age says is kept, its reason naming the rule left undecided.
"""

from __future__ import annotations

from ca_lifecycle.engine.core import PreparedEvaluation, evaluate, prepare
from ca_lifecycle.engine.model import Decision, Evaluation, FactRequest

__all__ = ["Decision", "Evaluation", "FactRequest", "PreparedEvaluation", "evaluate", "prepare"]
