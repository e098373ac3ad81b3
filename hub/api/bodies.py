"""Base class of every request body: unknown fields are an error, not silently dropped.

A typo in a field name (``compatibilty``) must fail loudly with 422 instead of being ignored
and leaving the caller to believe the setting was applied. Free-form JSON fields (a schema, a
filter) should also bound their nesting with ``json_depth`` in a validator, so recursive code
behind them never meets a document deep enough to exhaust the stack.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=10_000, allow_inf_nan=False)


def json_depth(document: Any) -> int:
    """Nesting depth of a parsed JSON value (a scalar is 0), computed without recursion."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children)
    return deepest
