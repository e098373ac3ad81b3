"""Contract checks before producing: what the publisher asks, and the built-in answer.

``ContractCheck`` is the seam: given an event type and a row (as JSON values), return the id of
the contract the row satisfies (the CloudEvent ``dataschema``) or raise ``ContractViolation``
with the failing fields in ``details``. ``FeedRowContracts`` answers from the built-in feeds'
row models (``schemas.feeds``), which are the single source of each feed's JSON Schema; an
event type with no contract is itself a violation (``unknown_contract``), so nothing reaches a
feed topic unchecked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from pydantic import ValidationError

from schemas.errors import ContractViolation, NotFound
from schemas.feeds import feed_for_event_type


class UnknownContract(ContractViolation):
    code = "unknown_contract"


class ContractCheck(Protocol):
    def __call__(self, event_type: str, row: Mapping[str, Any]) -> str | None: ...


class FeedRowContracts:
    """Checks rows against the built-in feeds' row models (extra columns are violations)."""

    def __call__(self, event_type: str, row: Mapping[str, Any]) -> str | None:
        try:
            feed = feed_for_event_type(event_type)
        except NotFound as exc:
            raise UnknownContract(f"no contract for event type {event_type!r}") from exc
        try:
            feed.row_model.model_validate(dict(row))
        except ValidationError as exc:
            raise ContractViolation(
                f"row breaks the contract of {event_type}", details=violation_details(exc)
            ) from exc
        return feed.dataschema


def violation_details(exc: ValidationError) -> list[dict[str, str]]:
    """Field, message and rule of each failure; values are left out (they may be personal data)."""
    return [
        {
            "field": ".".join(str(part) for part in err["loc"]),
            "message": err["msg"],
            "type": err["type"],
        }
        for err in exc.errors(include_url=False, include_input=False)
    ]


__all__ = ["ContractCheck", "FeedRowContracts", "UnknownContract", "violation_details"]
