"""Reading a policy: from parsed data, from a YAML/JSON file, and the exported JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ca_lifecycle.policy.errors import PolicyError, messages_from_validation
from ca_lifecycle.policy.model import PolicyDocument, duplicate_id_message

if TYPE_CHECKING:
    import yaml

SCHEMA_ID = "urn:codeartifact-lifecycle:policy:v1"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def parse_policy(data: object) -> PolicyDocument:
    """Validate already-parsed data (a mapping). Raises PolicyError listing every problem."""
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise PolicyError([f"the policy document must be a mapping with version and policies, got {kind}"])
    if _depth(data) > MAX_DEPTH:
        raise PolicyError([_TOO_DEEP])
    try:
        return PolicyDocument.model_validate(data)
    except ValidationError as exc:
        messages = messages_from_validation(exc)
    # The model checks id uniqueness only once every policy is valid; report it anyway.
    messages.extend(m for m in _duplicate_ids(data.get("policies")) if m not in messages)
    raise PolicyError(messages)


def _depth(data: object) -> int:
    """Nesting depth, without recursion (a hostile document must not exhaust the stack)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            return depth
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _duplicate_ids(policies: object) -> list[str]:
    if not isinstance(policies, list):
        return []
    first: dict[str, int] = {}
    found: list[str] = []
    for index, policy in enumerate(policies):
        policy_id = policy.get("id") if isinstance(policy, dict) else None
        if not isinstance(policy_id, str):
            continue
        if policy_id in first:
            found.append(f"policies[{index}].id: {duplicate_id_message(policy_id, first[policy_id])}")
        else:
            first[policy_id] = index
    return found


def _yaml_loader() -> type[yaml.SafeLoader]:
    # Lazy: the Lambda reads JSON only and must not need PyYAML on its import path.
    import yaml

    class StrictLoader(yaml.SafeLoader):
        """SafeLoader that rejects duplicate keys (PyYAML silently keeps the last one)."""

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
        loader.flatten_mapping(node)
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = loader.construct_object(key_node)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return loader.construct_mapping(node)

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return StrictLoader


MAX_DEPTH = 32  # a policy needs about 6 levels; far deeper is a mistake or an attack
_TOO_DEEP = f"the document is nested more than {MAX_DEPTH} levels deep: not a policy"


def _read_yaml(text: str) -> object:
    import yaml

    try:
        return yaml.load(text, Loader=_yaml_loader())  # noqa: S506 - a SafeLoader subclass
    except RecursionError:
        raise PolicyError([_TOO_DEEP]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise PolicyError([f"{where}YAML syntax error: {problem}"]) from None
    except yaml.YAMLError as exc:
        raise PolicyError([f"YAML syntax error: {exc}"]) from None


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of duplicate keys silently; a policy must not.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise PolicyError([f"invalid JSON: duplicate key {key!r}"])
        result[key] = value
    return result


def _read_json(text: str) -> object:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except RecursionError:
        raise PolicyError([_TOO_DEEP]) from None
    except json.JSONDecodeError as exc:
        raise PolicyError([f"line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}"]) from None


def load_policy(path: str | Path) -> PolicyDocument:
    """Read and validate a ``.yaml``/``.yml``/``.json`` policy file.

    Every error (unreadable file, syntax error with its line, invalid field) is a PolicyError
    whose ``source`` is the file name.
    """
    source = str(path)
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in {".yaml", ".yml", ".json"}:
        raise PolicyError([f"unsupported file type {suffix or '(none)'!r}: use .yaml, .yml or .json"], source)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(["cannot read policy: no such file"], source) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise PolicyError([f"cannot read policy: {reason}"], source) from None
    try:
        data = _read_json(text) if suffix == ".json" else _read_yaml(text)
        return parse_policy(data)
    except PolicyError as exc:
        raise PolicyError(exc.errors, source) from None


def policy_json_schema() -> dict[str, object]:
    """The JSON Schema of a policy file, for editors (committed as ``schema/policy.schema.json``)."""
    schema: dict[str, object] = {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        **PolicyDocument.model_json_schema(mode="validation"),
    }
    schema["title"] = "codeartifact-lifecycle policy (v1)"
    return schema
