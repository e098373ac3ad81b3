"""Field predicates on a change payload: ``eq``, ``ne``, ``in``, ``exists``, ``prefix`` on a dotted path.

A path starts at the payload (``after.status``, ``before.status``, ``op``, ``source.table``; a
leading ``data.`` is ignored). A path starting with anything else is read from the row image:
``after``, or ``before`` for a delete, so ``status`` works whatever the operation.

Semantics chosen for missing fields: ``eq``/``in``/``prefix`` fail, ``ne`` holds, ``exists`` holds
only for a present, non-null value. Comparisons are strict JSON equality (``5`` is not ``"5"``).
"""

from __future__ import annotations

from typing import Any, Final

from hub.subscriptions.model import Predicate
from schemas.events import ChangePayload, Op

MISSING: Final = object()
_PAYLOAD_FIELDS = frozenset({"op", "before", "after", "source"})


def lookup(payload: ChangePayload, path: str) -> Any:
    """The value at ``path``, or ``MISSING``."""
    parts = path.removeprefix("data.").split(".")
    node = _root(payload, parts[0])
    if parts[0] in _PAYLOAD_FIELDS:
        parts = parts[1:]
    for part in parts:
        node = _child(node, part)
        if node is MISSING:
            break
    return node


def _root(payload: ChangePayload, head: str) -> Any:
    if head == "op":
        return payload.op.value
    if head == "source":
        return payload.source.model_dump(mode="json", by_alias=True)
    if head in ("before", "after"):
        return getattr(payload, head)
    return payload.before if payload.op is Op.DELETE else payload.after


def _child(node: Any, part: str) -> Any:
    if isinstance(node, dict):
        return node.get(part, MISSING)
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    return MISSING


def same(left: Any, right: Any) -> bool:
    """JSON equality: like ``==`` except that booleans never equal numbers (``true`` is not ``1``)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    return bool(left == right)


def holds(predicate: Predicate, payload: ChangePayload) -> bool:
    value = lookup(payload, predicate.path)
    expected = predicate.value
    match predicate.op:
        case "eq":
            return value is not MISSING and same(value, expected)
        case "ne":
            return value is MISSING or not same(value, expected)
        case "in":
            return value is not MISSING and any(same(value, item) for item in expected)
        case "prefix":
            return isinstance(value, str) and value.startswith(expected)
        case "exists":
            return (value is not MISSING and value is not None) == (expected is not False)
    raise AssertionError(f"unhandled predicate op {predicate.op!r}")  # pragma: no cover
