"""Where the mapping finds a feed's contract: the one function to re-point when contracts move.

By default the built-in contract files (``connectors.contracts.builtin_contract``); callers that
know the hub's registry (the API's apply check, ``hub connect`` through its ``Contracts``) pass
their own lookup. ``None`` for an event type without a contract, which the apply check reports.
"""

from __future__ import annotations

from typing import Any

from connectors.contracts import builtin_contract


def contract_schema(event_type: str) -> dict[str, Any] | None:
    """The current JSON Schema of a built-in feed's contract, or ``None`` when none is known."""
    return builtin_contract(event_type)


__all__ = ["contract_schema"]
