"""Where the mapping finds a feed's contract: the one function to re-point when contracts move.

Today the built-in feeds' contracts (``contracts/<event type>/v<n>.schema.json``, generated from
``schemas.feeds``); ``None`` for an event type without one, which the apply check reports.
"""

from __future__ import annotations

from typing import Any

from schemas.contracts import contract_schema as builtin_contract_schema
from schemas.feeds import UnknownFeed, feed_for_event_type


def contract_schema(event_type: str) -> dict[str, Any] | None:
    """The current JSON Schema of the feed's contract, or ``None`` when none is known."""
    try:
        return builtin_contract_schema(feed_for_event_type(event_type))
    except UnknownFeed:
        return None


__all__ = ["contract_schema"]
