"""FeedSpec: everything the hub and connectors must agree on about one feed, in one value.

The names (event type, topics, contract id) are derived from the feed's name through
``schemas.naming`` and never stored, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas import naming
from schemas.feeds.row import FeedRow


@dataclass(frozen=True)
class FeedSpec:
    """One feed: its name, its row model and the version of the contract that model produces.

    ``contract_version`` grows by one for each compatible change of the row model within the
    major; an incompatible change needs a new major (a new event type and topic).
    """

    name: naming.FeedName
    row_model: type[FeedRow]
    title: str
    contract_version: int = 1

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

    @property
    def key_fields(self) -> tuple[str, ...]:
        return self.row_model.key_fields

    @property
    def admin_unit_field(self) -> str:
        return self.row_model.admin_unit_field


def feed(domain: str, entity: str, major: int, row_model: type[FeedRow], title: str) -> FeedSpec:
    return FeedSpec(naming.FeedName(domain, entity, major), row_model, title)
