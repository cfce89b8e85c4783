"""The resource-policy statements a domain owned by another account needs for this engine.

IAM in the engine account already allows the worker and the sweep to call CodeArtifact in the
owner's account (their roles name the owner's ARNs); a cross-account call also needs the
owner's side to allow it: the sweep's ListRepositoriesInDomain in the *domain* policy, the
worker's package calls in the *repository* policy of each repository in scope (package
actions are authorized by the repository's policy; Resource ``*`` there means that repository
and its packages, the engine-side role already narrows to the policy's patterns).

    python -m infra.cross_account POLICY --worker-role-arn ARN --sweep-role-arn ARN

prints one JSON document (the ARNs are the stack outputs ``WorkerRoleArn``/``SweepRoleArn``):
``{"OWNER": {"domains": {"DOMAIN": {"domain_policy": {...}, "repository_policy": {...},
"repositories": [...]}}}}``; docs/deploy.md shows how to apply it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra import constants as c

if TYPE_CHECKING:
    from ca_lifecycle.policy import PolicyDocument


def _document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def cross_account_statements(
    policy: PolicyDocument, *, worker_role_arn: str, sweep_role_arn: str
) -> dict[str, Any]:
    """Per owner account and domain: the domain policy, the repository policy, and the
    repository names or globs it goes on. Domains without ``domain_owner`` need nothing."""
    from ca_lifecycle.policy import Mode

    worker_actions = sorted(
        c.CODEARTIFACT_REPOSITORY_READ
        + c.CODEARTIFACT_PACKAGE_READ
        + (c.CODEARTIFACT_PACKAGE_WRITE if policy.mode is Mode.ENFORCE else ())
    )
    owners: dict[str, Any] = {}
    for entry in policy.policies:
        scope = entry.scope
        if not scope.domain_owner:
            continue
        domains = owners.setdefault(scope.domain_owner, {"domains": {}})["domains"]
        domain = domains.setdefault(
            scope.domain,
            {
                "domain_policy": _document(
                    {
                        "Sid": "CodeArtifactLifecycleSweep",
                        "Effect": "Allow",
                        "Principal": {"AWS": sweep_role_arn},
                        "Action": list(c.CODEARTIFACT_DOMAIN_READ),
                        "Resource": "*",
                    }
                ),
                "repository_policy": _document(
                    {
                        "Sid": "CodeArtifactLifecycleWorker",
                        "Effect": "Allow",
                        "Principal": {"AWS": worker_role_arn},
                        "Action": worker_actions,
                        "Resource": "*",
                    }
                ),
                "repositories": [],
            },
        )
        domain["repositories"] = sorted(set(domain["repositories"]) | set(scope.repositories))
    return owners


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.cross_account", description=__doc__.splitlines()[0]
    )
    parser.add_argument("policy", type=Path)
    parser.add_argument("--worker-role-arn", required=True, help="stack output WorkerRoleArn")
    parser.add_argument("--sweep-role-arn", required=True, help="stack output SweepRoleArn")
    args = parser.parse_args(argv)
    from ca_lifecycle.policy import PolicyError, load_policy

    try:
        policy = load_policy(args.policy)
    except PolicyError as error:
        print("\n".join(error.errors), file=sys.stderr)
        return 2
    document = cross_account_statements(
        policy, worker_role_arn=args.worker_role_arn, sweep_role_arn=args.sweep_role_arn
    )
    print(json.dumps(document, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
