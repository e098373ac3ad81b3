"""Registering connectors and commanding them: every check before anything is stored.

A config is refused, before anything is stored, when it cannot work: the document itself
(``invalid_connector_config`` / ``unknown_connector_kind``), a feed whose event type has no
contract (``unknown_contract``), a table feed or replication slot another connector already has
(409 ``feed_already_connected``, ``slot_claimed``), a host off the connector host allow-list
(``connector_host_not_allowed``, ``hub.services.connector_targets``), then the kind's own check
against the live source (``source_unreachable``, ``table_missing``, ``publication_missing``,
``mapping_*``...).

Commands (pause, resume, restart, snapshot, skip) are recorded here and applied by the worker holding
the connector at its next heartbeat.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from connectors import registry
from connectors.config import ConnectorConfigBase
from hub.services.connector_targets import ConnectorHostPolicy
from hub.services.contract_lookup import RegisteredContracts
from hub.services.subscriptions import registered_feed_names
from hub.store import connectors as stored
from hub.store.base import Store
from hub.store.connector_tasks import StoredTask
from hub.store.connectors import ConnectorExists, StoredConnector
from schemas.contracts.compatibility import Mode
from schemas.errors import Conflict, HubError, InvalidInput, UnknownContract


class FeedAlreadyConnected(Conflict):
    """Another registered connector already publishes this table to this feed."""

    code = "feed_already_connected"


class SlotClaimed(Conflict):
    """Another registered connector already names this replication slot on the same server."""

    code = "slot_claimed"


class NothingHeld(Conflict):
    """A skip asked of a connector that is not held on a change (not failing or restarting)."""

    code = "nothing_held"


HOLDING_STATES = ("restarting", "failed")  # a task in these states is stuck on its next change


class UnknownTable(InvalidInput):
    """A re-snapshot names a table that is not one of the connector's feeds."""

    code = "unknown_table"


@dataclass(frozen=True)
class ConnectorService:
    """The registered connectors of one store."""

    store: Store
    hosts: ConnectorHostPolicy = field(default_factory=ConnectorHostPolicy)

    def contracts(self) -> RegisteredContracts:
        """The registry's contracts, which the mapping checks and the preview read (built-ins included)."""
        return RegisteredContracts(self.store, Mode.BACKWARD)  # the mode only matters when registering

    def find(self, name: str) -> StoredConnector | None:
        with self.store.session() as session:
            return stored.find(session, name)

    def get(self, name: str) -> StoredConnector:
        with self.store.session() as session:
            return stored.get(session, name)

    def list_all(self) -> list[StoredConnector]:
        with self.store.session() as session:
            return stored.list_all(session)

    def refuse_existing(self, name: object) -> None:
        """Refuse a name already registered (checked before the slow live checks)."""
        if isinstance(name, str) and self.find(name) is not None:
            raise ConnectorExists(f"connector {name!r} already exists")

    async def checked(self, document: dict[str, Any]) -> ConnectorConfigBase:
        """Parse, then refuse a config that cannot work (contracts, claims, then the kind's live checks)."""
        config = registry.parse_config(document)
        self.hosts.check(config)
        await self.contracts_known(config)
        await asyncio.to_thread(self.check_claims, config)
        await asyncio.to_thread(registry.validate, config, self.contracts().lookup)
        return config

    async def contracts_known(self, config: ConnectorConfigBase) -> None:
        known = await asyncio.to_thread(registered_feed_names, self.store)
        unknown = sorted({feed.event_type for feed in config.feeds} - set(known))
        if unknown:
            raise UnknownContract(
                f"no contract for event type(s) {', '.join(unknown)}: register the contract first",
                details={"event_types": unknown},
            )

    def check_claims(self, config: ConnectorConfigBase) -> None:
        """Refuse a table feed or a replication slot another connector already has."""
        mine = config.claims()
        others = [item for item in self.list_all() if item.name != config.name]
        for other in others:
            try:
                taken = registry.parse_config(other.document).claims()
            except HubError:  # a kind gone from this build claims nothing we can know
                continue
            for claim in sorted(set(mine) & set(taken)):
                error = SlotClaimed if claim.startswith("slot:") else FeedAlreadyConnected
                raise error(
                    f"{mine[claim]} is already used by connector {other.name!r} on the same source: "
                    + (
                        "choose another slot_name" if error is SlotClaimed else "one connector per table+feed"
                    ),
                    details={"connector": other.name, "claim": mine[claim]},
                )

    def insert(self, config: ConnectorConfigBase) -> StoredConnector:
        with self.store.session() as session:
            return stored.insert(session, config)

    def replace(self, config: ConnectorConfigBase) -> StoredConnector:
        with self.store.session() as session:
            return stored.replace(session, config)

    def delete(self, name: str) -> StoredConnector:
        """Delete it; returns the connector as it was."""
        with self.store.session() as session:
            before = stored.get(session, name)
            stored.delete_connector(session, name)
            return before

    def set_paused(self, name: str, paused: bool) -> StoredConnector:
        with self.store.session() as session:
            return stored.set_paused(session, name, paused)

    def request_restart(self, name: str) -> StoredConnector:
        with self.store.session() as session:
            return stored.request_restart(session, name)

    def request_skip(self, name: str) -> StoredConnector:
        """Skip the change the connector is held on: it must be failing or restarting on one
        (else 409 ``nothing_held``); the skip names its committed position, so it acts once."""
        with self.store.session() as session:
            item = stored.get(session, name)
            reported = item.status or {}
            state = reported.get("state", "unassigned")
            if state not in HOLDING_STATES or not reported.get("last_error"):
                raise NothingHeld(
                    f"connector {name!r} is not held on a change (state {state}, no last error): "
                    "nothing to skip",
                    details={"state": reported.get("state")},
                )
            return stored.request_skip(session, name, item.position or "")

    def request_snapshot(self, name: str, tables: list[str]) -> StoredConnector:
        """Re-snapshot chosen tables, all of them the connector's own (else ``unknown_table``)."""
        with self.store.session() as session:
            known = {feed["table"] for feed in stored.get(session, name).document.get("feeds", [])}
            unknown = sorted(set(tables) - known)
            if unknown:
                raise UnknownTable(
                    f"not a table of connector {name!r}: {', '.join(unknown)}",
                    details={"tables": sorted(known)},
                )
            return stored.request_snapshot(session, name, tables)


__all__ = [
    "ConnectorService",
    "FeedAlreadyConnected",
    "NothingHeld",
    "SlotClaimed",
    "StoredConnector",
    "StoredTask",
    "UnknownTable",
]
