"""What ``/v1/quarantine`` and ``hub quarantine`` do: list, show, summarise and republish held changes.

Held = on a quarantine topic and not yet sent on by republish (``hub.store.quarantine``).

Republish, per connector, with its CURRENT stored config, the contracts as the worker checks
them (``hub.connect.RegisteredContracts``: the one place the hub builds its contract check) and
the connector's own publisher path (``connectors.republish``): each held change is mapped and
checked again and, when it passes, produced to its feed with its original event id, in
quarantine order; once Kafka acknowledged, the store remembers it, so a second republish sends
nothing. Still-bad changes stay held and are reported with their new reason. Republishes run
one at a time in a process (a lock), so two callers never send the same change twice.

A change republished now lands on the feed after any newer change of the same record that
already went through: a subscriber applying changes in feed order then sees the older one last.
Republish is meant for records quarantined from the start (a mapping or contract that never
fitted); the report names each record so an operator can check.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from bus.producer import KafkaProducer
from bus.reads import read_at
from bus.records import Record
from connectors import registry
from connectors.config import ConnectorConfigBase
from connectors.held_change import decode_change
from connectors.publisher import Publisher
from connectors.quarantine_record import not_kept
from connectors.republish import Held, Verdict, republish
from hub.services.contract_lookup import RegisteredContracts
from hub.services.quarantine.entries import (
    Address,
    QuarantineEntry,
    body_of,
    entry_of,
    quarantine_topics,
    read_quarantine,
)
from hub.services.quarantine.summary import HeldSummary, summarise
from hub.settings import Settings
from hub.store import connectors as stored_connectors
from hub.store import quarantine as progress
from hub.store.base import Store
from schemas import naming
from schemas.contracts.compatibility import Mode
from schemas.errors import HubError, NotFound

_LOCK = asyncio.Lock()


class QuarantineEntryNotFound(NotFound):
    """Nothing at that address: a wrong id, or Kafka's retention removed the record."""

    code = "quarantine_entry_not_found"


class RepublishLine(BaseModel):
    id: str
    event_id: str | None
    record_key: str | None
    connector: str | None
    outcome: Literal["republished", "held"]
    feed_topic: str
    partition: int | None = Field(default=None, description="where it landed on the feed")
    offset: int | None = None
    code: str | None = Field(default=None, description="why it stays held")
    reason: str | None = None


class RepublishReport(BaseModel):
    republished: int
    held: int
    items: list[RepublishLine] = Field(description="in quarantine order")


@dataclass(frozen=True)
class Selection:
    connector: str | None = None
    feed_topic: str | None = None
    ids: tuple[Address, ...] = ()

    def wants(self, entry: QuarantineEntry) -> bool:
        if self.connector is not None and entry.connector != self.connector:
            return False
        return not self.ids or entry.address in self.ids


@dataclass
class QuarantineService:
    store: Store
    settings: Settings

    async def entries(
        self, selection: Selection = Selection(), *, held_only: bool = False
    ) -> list[tuple[QuarantineEntry, Record]]:
        """The quarantine records chosen, oldest first per partition, with what republish did."""
        bootstrap = self.settings.kafka_address()
        if selection.feed_topic is not None:
            feeds = [selection.feed_topic]
        else:
            feeds = await asyncio.to_thread(connector_feed_topics, self.store, selection.connector)
        topics = await quarantine_topics(bootstrap, feeds)
        records = await read_quarantine(bootstrap, topics)
        sent = await asyncio.to_thread(self._republished, topics)
        found = []
        for record in records:
            entry = entry_of(record)
            done = sent.get(entry.address)
            if not selection.wants(entry) or (held_only and done is not None):
                continue
            found.append((entry.model_copy(update={"republished_at": done and done.republished_at}), record))
        return found

    async def show(self, address: Address) -> QuarantineEntry:
        found = await read_at(self.settings.kafka_address(), [address])
        if address not in found:
            raise QuarantineEntryNotFound(f"no quarantine record at {':'.join(map(str, address))}")
        entry = entry_of(found[address], with_event=True)
        done = (await asyncio.to_thread(self._republished, [address[0]])).get(address)
        return entry.model_copy(update={"republished_at": done and done.republished_at})

    async def summary(self) -> dict[str, HeldSummary]:
        """Per connector, its held changes and their latest reasons."""
        by_connector: dict[str, list[QuarantineEntry]] = {}
        for entry, _record in await self.entries(held_only=True):
            by_connector.setdefault(entry.connector or "?", []).append(entry)
        return {
            name: summarise([(e.quarantined_at, e.code, e.reason) for e in entries])
            for name, entries in by_connector.items()
        }

    async def republish(
        self, selection: Selection, may_write: Callable[[str | None], bool], actor: str | None = None
    ) -> RepublishReport:
        """Send on what passes now, of the held changes whose connector ``may_write`` allows (the
        others, e.g. another ministry's on a shared feed, are left alone and not reported)."""
        async with _LOCK:
            chosen = [
                item for item in await self.entries(selection, held_only=True) if may_write(item[0].connector)
            ]
            lines: dict[str, RepublishLine] = {}
            for connector, items in _by_connector(chosen).items():
                for line in await self._republish_connector(connector, items, actor):
                    lines[line.id] = line
        ordered = [lines[entry.id] for entry, _record in chosen]
        sent = sum(line.outcome == "republished" for line in ordered)
        return RepublishReport(republished=sent, held=len(ordered) - sent, items=ordered)

    async def _republish_connector(
        self, connector: str | None, items: Sequence[tuple[QuarantineEntry, Record]], actor: str | None
    ) -> list[RepublishLine]:
        try:
            config = registry.parse_config(await asyncio.to_thread(self._document, connector))
        except HubError as exc:
            return [_held(entry, exc.code, exc.message) for entry, _record in items]
        held, lines, unreadable = [], [], set()
        for entry, record in items:
            try:
                held.append(_held_change(entry, record))
            except HubError as exc:
                lines.append(_held(entry, exc.code, exc.message))
                unreadable.add(entry.record_key or "")
        verdicts = await self._send(config, held, unreadable)
        await asyncio.to_thread(self._remember, verdicts, actor)
        entries = {entry.address: entry for entry, _record in items}
        return lines + [_line(entries[v.held.address], v) for v in verdicts]

    async def _send(self, config: ConnectorConfigBase, held: list[Held], blocked: set[str]) -> list[Verdict]:
        if not held:
            return []
        producer = KafkaProducer(self.settings.kafka_address(), f"quarantine-republish-{config.name}")
        await producer.start()
        try:
            contracts = RegisteredContracts(self.store, Mode(self.settings.contract_compatibility))
            return await republish(Publisher(config, producer, contracts), held, blocked)
        finally:
            await producer.stop()

    # -- the store ----------------------------------------------------------------------------------

    def _republished(self, topics: Sequence[str]) -> dict[Address, progress.Republished]:
        with self.store.session() as session:
            return progress.republished(session, topics)

    def _document(self, connector: str | None) -> dict[str, object]:
        if connector is None:
            raise stored_connectors.ConnectorNotFound("the record names no connector")
        with self.store.session() as session:
            return stored_connectors.get(session, connector).document

    def _remember(self, verdicts: Sequence[Verdict], actor: str | None) -> None:
        sent = [
            progress.Republished(v.held.address, v.held.event_id, v.partition or 0, v.offset or 0, actor)
            for v in verdicts
            if v.sent_to is not None
        ]
        with self.store.session() as session:
            progress.record(session, sent)


def connector_feed_topics(store: Store, connector: str | None = None) -> list[str]:
    """The feed topics of one registered connector, or of them all: where quarantine is looked for.

    An outbox connector's changes name their own event types; their quarantine topics are found
    through ``feed`` (``--feed``), not through the connector.
    """
    with store.session() as session:
        found = stored_connectors.list_all(session)
    topics = set()
    for item in found:
        if connector is not None and item.name != connector:
            continue
        for feed in item.document.get("feeds") or []:
            with contextlib.suppress(HubError, AttributeError, TypeError):
                topics.add(naming.parse_event_type(feed.get("event_type")).topic)
    return sorted(topics)


def mark_republished(
    store: Store, found: Sequence[tuple[QuarantineEntry, Record]]
) -> list[tuple[QuarantineEntry, Record]]:
    """The entries with ``republished_at`` from the store (blocking: run it in a thread)."""
    with store.session() as session:
        done = progress.republished(session, {entry.topic for entry, _record in found})
    return [
        (entry.model_copy(update={"republished_at": done[entry.address].republished_at}), record)
        if entry.address in done
        else (entry, record)
        for entry, record in found
    ]


def _held_change(entry: QuarantineEntry, record: Record) -> Held:
    body = body_of(record)
    blocked = not_kept(body)
    if blocked is not None:
        raise blocked
    change = decode_change(body.get("change"))
    return Held(
        address=entry.address,
        event_id=entry.event_id or change.event_id or "",
        record_key=entry.record_key or "",
        traceparent=entry.traceparent,
        change=change,
    )


def _by_connector(
    chosen: Sequence[tuple[QuarantineEntry, Record]],
) -> dict[str | None, list[tuple[QuarantineEntry, Record]]]:
    grouped: dict[str | None, list[tuple[QuarantineEntry, Record]]] = {}
    for entry, record in chosen:
        grouped.setdefault(entry.connector, []).append((entry, record))
    return grouped


def _line(entry: QuarantineEntry, verdict: Verdict) -> RepublishLine:
    if verdict.sent_to is not None:
        return RepublishLine(
            id=entry.id, event_id=entry.event_id, record_key=entry.record_key, connector=entry.connector,
            outcome="republished", feed_topic=verdict.sent_to, partition=verdict.partition,
            offset=verdict.offset,
        )  # fmt: skip
    reason = verdict.reason or {}
    return _held(entry, reason.get("code"), reason.get("message"))


def _held(entry: QuarantineEntry, code: str | None, reason: str | None) -> RepublishLine:
    return RepublishLine(
        id=entry.id, event_id=entry.event_id, record_key=entry.record_key, connector=entry.connector,
        outcome="held", feed_topic=entry.feed_topic, code=code, reason=reason,
    )  # fmt: skip


__all__ = [
    "QuarantineEntryNotFound",
    "QuarantineService",
    "RepublishLine",
    "RepublishReport",
    "Selection",
    "connector_feed_topics",
    "mark_republished",
]
