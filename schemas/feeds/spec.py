"""FeedSpec: everything the hub and connectors must agree on about one feed, read from its contract.

A feed is its contract document (``schemas.contracts.document``): no code names a feed. The names
(event type, topics, contract id) are derived from the feed's name through ``schemas.naming`` and
never stored, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from schemas import naming
from schemas.contracts.document import Contract, parse_contract
from schemas.errors import InvalidInput

KEY_SEPARATOR = ":"  # the record key joins key values with it (book numbers contain "/")


@dataclass(frozen=True)
class FeedSpec:
    """One feed: its name and the current version of its contract.

    ``contract_version`` grows by one for each compatible change of the contract within the
    major; an incompatible change needs a new major (a new event type and topic).
    """

    name: naming.FeedName
    title: str
    schema: dict[str, Any]
    contract_version: int
    key_fields: tuple[str, ...]
    admin_unit_field: str

    @classmethod
    def of(cls, document: dict[str, Any], version: int | None = None, *, trusted: bool = False) -> FeedSpec:
        """The feed a contract document describes (``InvalidContract`` if it is not one).

        ``version`` is the registry's number; without it, the one ``$id`` names (else 1).
        ``trusted``: the registry accepted it already (see ``parse_contract``).
        """
        contract: Contract = parse_contract(document, trusted=trusted)
        number = version or contract.version or 1
        return cls(contract.name, contract.title, document, number, contract.key_fields,
                   contract.admin_unit_field)  # fmt: skip

    @property
    def domain(self) -> str:
        return self.name.domain

    @property
    def entity(self) -> str:
        return self.name.entity

    @property
    def major(self) -> int:
        return self.name.major

    @property
    def event_type(self) -> str:
        return self.name.event_type

    @property
    def topic(self) -> str:
        return self.name.topic

    @property
    def quarantine_topic(self) -> str:
        return self.name.quarantine_topic

    @property
    def dataschema(self) -> str:
        """The CloudEvent ``dataschema`` of this feed's events: the current contract's id."""
        return naming.contract_id(self.event_type, self.contract_version)

    def record_key(self, row: Mapping[str, Any]) -> str:
        """The record key (Kafka message key, CloudEvent subject): key values joined by ``:``."""
        missing = [name for name in self.key_fields if row.get(name) is None]
        if missing:
            raise InvalidInput(f"{self.event_type} row lacks key field(s) {', '.join(missing)}")
        return KEY_SEPARATOR.join(str(row[name]) for name in self.key_fields)
