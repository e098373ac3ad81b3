"""What a connector remembers of each record it published: its key and its last administrative unit.

Deletes and moves need the past. Under PostgreSQL's default replica identity a delete carries only
the table's primary key: not the contract's record key (when a mapping builds it from other
columns), not the administrative unit. An update that moves a record to another unit says nothing
of the unit it left. The connector sees a feed's changes in commit order, so it keeps, per source
record, what it last published, and stamps each event with what routing needs: routing stays a
pure function of the event (ADR 009).

Records are keyed by their source identity: (connector, table, source key), the source key being
the captured key columns' values (the primary key or replica identity) joined as the envelope
joins a record key. ``RecordMemory`` is the store's side; ``RecordBook`` is one running
publisher's view of it: the saved states plus those of batches published but not saved yet.

Call order, per batch::

    known = await book.recall(changes)       # one lookup for the batch's keys not in the book
    ... per change, in order: book.prior(change), publish, book.remember(state) ...
    ... Kafka acknowledged the batch ...
    await memory.save(connector, position, book.take())   # with the position, fenced by the lease

Saving the states with the position, after Kafka acknowledged, keeps the memory never ahead of
Kafka: a crash replays the batch against the states it was first published against, so the replay
stamps the same units and the same event ids.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from connectors.source import Change
from schemas.errors import InvalidInput
from schemas.events import Op

SourceKey = tuple[str, str]  # (table, the source key columns' values joined)


class RecordUnknown(InvalidInput):
    """A delete the connector cannot place: the row lacks the key or unit and no state is remembered.

    Happens for a record published before the memory existed (or never published: its create was
    quarantined). Quarantined, never dropped; a snapshot of the table fills the memory.
    """

    code = "record_unknown"


@dataclass(frozen=True, slots=True)
class RecordState:
    """The last published state of one source record."""

    table: str
    source_key: str
    event_type: str
    record_key: str
    key_fields: Mapping[str, Any]  # the record key's fields (contract names), as on the wire
    admin_unit: str | None  # current-era code stamped as ``adminunit``
    original: str | None  # the code the record carried (pre-merger codes stay as read)
    deleted: bool
    position: str

    @property
    def ident(self) -> SourceKey:
        return (self.table, self.source_key)


class RecordMemory(Protocol):
    """The durable side: one connector's record states, next to its position."""

    async def recall(self, connector: str, keys: Collection[SourceKey]) -> dict[SourceKey, RecordState]:
        """The saved state of each of ``keys`` that has one (one round trip for the batch)."""
        ...

    async def save_with_position(self, connector: str, position: str, states: Sequence[RecordState]) -> None:
        """Save ``states`` and the position at once, after Kafka acknowledged every change before it.

        Raises ``connectors.positions.LeaseLost`` (saving nothing) when this worker no longer owns
        the connector.
        """
        ...


class MemoryRecords:
    """Record states and positions in dicts: for one process that needs no durability (tests)."""

    def __init__(self) -> None:
        self.states: dict[tuple[str, str, str], RecordState] = {}
        self.positions: dict[str, str] = {}
        self.lookups = 0

    async def recall(self, connector: str, keys: Collection[SourceKey]) -> dict[SourceKey, RecordState]:
        self.lookups += 1
        found = (self.states.get((connector, *key)) for key in keys)
        return {state.ident: state for state in found if state is not None}

    async def save_with_position(self, connector: str, position: str, states: Sequence[RecordState]) -> None:
        for state in states:
            self.states[(connector, *state.ident)] = state
        self.positions[connector] = position

    async def load(self, connector: str) -> str | None:  # PositionStore, so one object serves both
        return self.positions.get(connector)

    async def save(self, connector: str, position: str) -> None:
        self.positions[connector] = position


def source_key(change: Change) -> SourceKey:
    """The record's source identity: its primary key's values (the key's, when they are the same)."""
    identity = change.identity if change.identity is not None else change.key
    return (change.table, ":".join(str(value) for value in identity.values()))


class RecordBook:
    """One publisher's record states: saved ones as recalled, plus those not saved yet, in order."""

    def __init__(self, connector: str, memory: RecordMemory, tracked: Iterable[str]) -> None:
        self.connector = connector
        self.memory = memory
        self.tracked = frozenset(tracked)  # tables whose events carry an administrative unit
        self._known: dict[SourceKey, RecordState] = {}
        self._unsaved: dict[SourceKey, RecordState] = {}  # remembered since the last ``take``
        self._taken: dict[SourceKey, RecordState] = {}  # taken, not saved yet: still the latest

    def tracks(self, change: Change) -> bool:
        return change.table in self.tracked and change.event_type is None and change.op is not Op.TRUNCATE

    async def recall(self, changes: Sequence[Change]) -> None:
        """Load the batch's records the book does not hold yet: one lookup, none when all are held."""
        self._known = {**self._taken, **self._unsaved}
        wanted = {source_key(c) for c in changes if self.tracks(c)} - self._known.keys()
        if wanted:
            self._known.update(await self.memory.recall(self.connector, wanted))

    def prior(self, change: Change) -> RecordState | None:
        """What the record was before ``change`` (earlier changes of the batch included)."""
        return self._known.get(source_key(change)) if self.tracks(change) else None

    def remember(self, state: RecordState) -> None:
        self._known[state.ident] = self._unsaved[state.ident] = state

    def take(self) -> list[RecordState]:
        """The states remembered since the last take, to save with their batch's position.

        They stay known to the next batches until ``saved`` says the store has them, so a batch
        queued before the previous one's position was saved still sees that batch's states.
        """
        states = list(self._unsaved.values())
        self._taken.update(self._unsaved)
        self._unsaved.clear()
        return states

    def saved(self, states: Iterable[RecordState]) -> None:
        """``states`` are in the store: recalled from it from now on (unless remembered anew since)."""
        for state in states:
            if self._taken.get(state.ident) is state:
                del self._taken[state.ident]


def completed_delete(change: Change, prior: RecordState) -> Change:
    """A key-only delete, completed from memory: the record key, a key-only ``before``, the unit.

    The result is already in the contract's field names (``key_fields``), so no mapping applies.
    """
    return dataclasses.replace(
        change,
        key=dict(prior.key_fields),
        before=dict(prior.key_fields),
        admin_unit=prior.original or prior.admin_unit,
    )


def moved_from(prior: RecordState | None, change: Change, unit: str | None) -> str | None:
    """The unit a create/update/read left, when it left one: the event's ``adminunitprev``."""
    if prior is None or prior.deleted or change.op is Op.DELETE:
        return None
    if prior.admin_unit is None or unit is None or prior.admin_unit == unit:
        return None
    return prior.admin_unit


__all__ = [
    "MemoryRecords",
    "RecordBook",
    "RecordMemory",
    "RecordState",
    "RecordUnknown",
    "SourceKey",
    "completed_delete",
    "moved_from",
    "source_key",
]
