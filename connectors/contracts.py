"""Contract checks before producing: what the publisher asks, and where contracts come from.

``ContractCheck`` is the seam: given an event type and the change payload exactly as it will go
on the wire, return the id of the contract it satisfies (the CloudEvent ``dataschema``) or raise
``ContractViolation`` listing the failures in ``details``. ``Contracts`` implements it over any
``ContractLookup`` (event type -> the current contract document, or None) and also hands the
documents out (``Contracts.document``) to connector code that needs a feed's fields.
``BuiltinContracts`` looks up the built-in contract files; the ``hub connect`` process passes a
lookup over the hub's contract registry instead. An event type with no contract at all is itself
a violation (``unknown_contract``), so nothing reaches a feed topic unchecked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from schemas import naming
from schemas.contracts.validation import ContractValidator, compile_contract
from schemas.errors import UnknownContract
from schemas.events import ChangePayload
from schemas.feeds import UnknownFeed, feed_for_event_type

ContractLookup = Callable[[str], dict[str, Any] | None]


class ContractCheck(Protocol):
    def __call__(self, event_type: str, payload: ChangePayload) -> str | None: ...


class Contracts:
    """Checks payloads against the contract ``lookup`` finds for their event type.

    The lookup is asked on every call (it does its own caching); a validator is compiled once
    per document and reused while the lookup returns the same document object.
    """

    def __init__(self, lookup: ContractLookup) -> None:
        self.lookup = lookup
        self._compiled: dict[str, tuple[dict[str, Any], ContractValidator]] = {}

    def document(self, event_type: str) -> dict[str, Any]:
        """The current contract document of ``event_type``; ``UnknownContract`` if it has none."""
        found = self.lookup(event_type)
        if found is None:
            raise UnknownContract(f"no contract for event type {event_type!r}")
        return found

    def __call__(self, event_type: str, payload: ChangePayload) -> str | None:
        return self._validator(event_type).validate(event_type, payload)

    def _validator(self, event_type: str) -> ContractValidator:
        document = self.document(event_type)
        cached = self._compiled.get(event_type)
        if cached is None or cached[0] is not document:
            cached = (document, compile_contract(document))
            self._compiled[event_type] = cached
        return cached[1]


def builtin_contract(event_type: str) -> dict[str, Any] | None:
    """The latest built-in contract file of ``event_type`` (None for any other event type)."""
    try:
        return feed_for_event_type(event_type).schema
    except (UnknownFeed, naming.InvalidName):
        return None


class BuiltinContracts(Contracts):
    """Checks payloads against the built-in contract files (connectors run without a hub)."""

    def __init__(self) -> None:
        super().__init__(builtin_contract)


__all__ = [
    "BuiltinContracts",
    "ContractCheck",
    "ContractLookup",
    "Contracts",
    "UnknownContract",
    "builtin_contract",
]
