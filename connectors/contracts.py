"""Contract checks before producing: what the publisher asks, and the built-in answer.

``ContractCheck`` is the seam: given an event type and the change payload exactly as it will go
on the wire, return the id of the contract it satisfies (the CloudEvent ``dataschema``) or raise
``ContractViolation`` listing the failures in ``details``. ``BuiltinContracts`` answers from the
built-in feeds' contracts (``schemas.contracts.validation``); the ``hub connect`` process adds
the contracts registered through the API. An event type with no contract at all is itself a
violation (``unknown_contract``), so nothing reaches a feed topic unchecked.
"""

from __future__ import annotations

from typing import Protocol

from schemas.contracts.validation import validate_change
from schemas.errors import UnknownContract
from schemas.events import ChangePayload
from schemas.feeds import UnknownFeed


class ContractCheck(Protocol):
    def __call__(self, event_type: str, payload: ChangePayload) -> str | None: ...


class BuiltinContracts:
    """Checks payloads against the current contract of a built-in feed."""

    def __call__(self, event_type: str, payload: ChangePayload) -> str | None:
        try:
            return validate_change(event_type, payload)
        except UnknownFeed as exc:
            raise UnknownContract(f"no contract for event type {event_type!r}") from exc


__all__ = ["BuiltinContracts", "ContractCheck", "UnknownContract"]
