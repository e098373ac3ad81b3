"""Bring a JSON Schema into the one shape the compatibility rules compare.

``check_schema`` refuses what cannot be a contract (not a JSON Schema by its meta-schema; a
remote or recursive ``$ref``). ``normal_form`` then returns a self-contained tree: local
``$ref``\\ s inlined (so a contract that moved a definition into ``$defs`` compares equal to the
inline one), annotations and the hub's ``x-`` metadata dropped (``title``, ``description``,
``examples``, ``x-sensitivity``... change nothing a reader accepts), ``const`` written as a
one-value ``enum``, ``type`` as a sorted list, and the nullable idiom
``anyOf: [X, {"type": "null"}]`` (what pydantic emits for ``X | None``) folded into X with
``null`` added, so the common way of making a field nullable is not an opaque
``anyOf`` change.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for

from schemas.errors import InvalidInput

Schema = dict[str, Any] | bool
ANNOTATIONS = frozenset(
    {"title", "description", "examples", "default", "$comment", "deprecated", "readOnly", "writeOnly"}
)
STRUCTURAL = frozenset({"$schema", "$id", "$defs", "definitions", "$anchor", "$vocabulary"})
# The hub's metadata (x-key-fields, x-sensitivity...) says how a row is used, not which rows are
# valid; the registry guards the parts that must stay put across versions itself.
HUB_METADATA_PREFIX = "x-"


class InvalidSchema(InvalidInput):
    code = "invalid_schema"


def check_schema(schema: Any) -> None:
    """Raise ``InvalidSchema`` unless ``schema`` is a JSON Schema usable as a contract."""
    if not isinstance(schema, dict):
        raise InvalidSchema(f"a contract is a JSON object, not {type(schema).__name__}")
    error = best_match(
        _meta_validator(validator_for(schema, default=Draft202012Validator)).iter_errors(schema)
    )
    if error is not None:
        where = "/" + "/".join(str(part) for part in error.path)
        raise InvalidSchema(
            f"not a valid JSON Schema at {where}: {error.message}",
            details=[{"path": where, "keyword": error.validator, "message": error.message}],
        )
    _inline(schema, schema, ())


def normal_form(schema: dict[str, Any], *, trusted: bool = False) -> Schema:
    """The comparable form; ``trusted`` skips the meta-schema check (slow) for stored versions."""
    if not trusted:
        check_schema(schema)
    normal: Schema = _normalise(_inline(schema, schema, ()))
    return normal


@functools.cache
def _meta_validator(cls: Any) -> Any:
    """The meta-schema validator of one draft, built once (what ``cls.check_schema`` rebuilds)."""
    meta = cls.META_SCHEMA
    return validator_for(meta, default=cls)(meta, format_checker=cls.FORMAT_CHECKER)


def canonical(value: Any) -> str:
    """A JSON text equal for equal JSON values (``1`` and ``1.0`` alike, ``true`` and ``1`` not)."""
    return json.dumps(_numbers_as_ints(value), sort_keys=True, separators=(",", ":"))


def _numbers_as_ints(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _numbers_as_ints(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numbers_as_ints(item) for item in value]
    return value


def _inline(node: Any, root: dict[str, Any], refs: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_inline(item, root, refs) for item in node]
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in refs:
            raise InvalidSchema(f"recursive $ref {ref!r} is not supported in a contract")
        target = _inline(_resolve(ref, root), root, (*refs, ref))
        siblings = {k: _inline(v, root, refs) for k, v in node.items() if k != "$ref"}
        return {**target, **siblings} if isinstance(target, dict) else target
    return {key: _inline(value, root, refs) for key, value in node.items()}


def _resolve(ref: str, root: dict[str, Any]) -> Any:
    if not ref.startswith("#/"):
        raise InvalidSchema(f"$ref {ref!r}: a contract is self-contained, only local '#/...' refs")
    node: Any = root
    for raw in ref[2:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise InvalidSchema(f"$ref {ref!r} points nowhere")
    return node


def _normalise(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ANNOTATIONS or key in STRUCTURAL or key.startswith(HUB_METADATA_PREFIX):
            continue
        out[key] = _normalise_keyword(key, value)
    if "const" in out:
        out["enum"] = [out.pop("const")]
    if isinstance(out.get("type"), str):
        out["type"] = [out["type"]]
    if isinstance(out.get("type"), list):
        out["type"] = sorted(set(out["type"]))
    return _fold_nullable(out)


def _normalise_keyword(key: str, value: Any) -> Any:
    if key in {"properties", "patternProperties", "dependentSchemas"} and isinstance(value, dict):
        return {name: _normalise(sub) for name, sub in value.items()}
    if isinstance(value, list) and key in {"anyOf", "oneOf", "allOf", "prefixItems"}:
        return [_normalise(sub) for sub in value]
    if isinstance(value, dict | bool) and key not in {"enum", "const", "dependentRequired"}:
        return _normalise(value)
    return value


def _fold_nullable(node: dict[str, Any]) -> dict[str, Any]:
    branches = node.get("anyOf") or node.get("oneOf")
    if not isinstance(branches, list) or len(branches) != 2:
        return node
    nulls = [b for b in branches if b == {"type": ["null"]}]
    others = [b for b in branches if b != {"type": ["null"]}]
    if len(nulls) != 1 or len(others) != 1 or not isinstance(others[0], dict):
        return node
    inner = dict(others[0])
    if any(key in inner for key in ("anyOf", "oneOf", "allOf", "not")) or not _refuses_null(inner):
        return node  # (with oneOf, a branch that also takes null would make null invalid)
    rest = {key: value for key, value in node.items() if key not in {"anyOf", "oneOf"}}
    if set(rest) & set(inner):
        return node  # overlapping keywords: folding would change the meaning
    if "type" in inner:
        inner["type"] = sorted({*inner["type"], "null"})
    if "enum" in inner and None not in inner["enum"]:
        inner["enum"] = [*inner["enum"], None]
    return {**rest, **inner}


def _refuses_null(node: dict[str, Any]) -> bool:
    if "type" in node and "null" not in node["type"]:
        return True
    return "enum" in node and None not in node["enum"]
