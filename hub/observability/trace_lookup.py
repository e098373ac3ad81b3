"""Gathering the facts of a trace (store, then Kafka) and handing them to ``trace_view``.

The store says where the event is and what the hub did with it; Kafka gives the event back (to
replay each filter) and each subscription's committed offset (to tell "filtered out" from "not
reached yet"). When Kafka cannot answer, the trace is still returned from the store alone, with
a warning and the undecided subscriptions marked ``unknown``. An event the hub never routed
(no sink read it yet) is ``event_not_found``, unless its connector quarantined it: then the
trace shows the commit and the quarantine hop with its reason (``hub.observability.quarantine_trace``).

``visible`` narrows a trace to the subscriptions the caller may read (by id and owner).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bus.records import TopicPartition
from hub.delivery.pipeline.job import Record
from hub.delivery.route_log import routed_row
from hub.delivery.sink import feed_group
from hub.observability import kafka_reads
from hub.observability.kafka_reads import Address
from hub.observability.quarantine_trace import Held, find_held, held_trace, with_quarantine
from hub.observability.trace_model import EventTrace, RecordTrace
from hub.observability.trace_view import EventFacts, Rehoming, event_trace, is_backfill
from hub.observability.visibility import Visible, everyone
from hub.routing import AdminUnitIndex
from hub.routing.moves import moved_out_id
from hub.routing.rehome import rehomed_out_id
from hub.services.quarantine.service import connector_feed_topics, mark_republished
from hub.services.units import UnitsService
from hub.settings import Settings
from hub.store import routed_events, state_jobs
from hub.store import subscriptions as stored_subscriptions
from hub.store.base import Store
from hub.store.deliveries import DeliveryAttempt
from hub.store.routed_events import RoutedEvent
from hub.subscriptions.model import Subscription
from schemas.errors import HubError, NotFound
from schemas.events import ChangeEvent


class EventNotFound(NotFound):
    code = "event_not_found"


@dataclass(frozen=True)
class _Stored:
    routed: list[RoutedEvent]
    attempts: list[DeliveryAttempt]
    subscriptions: list[Subscription]
    truncated: bool = False
    rehomings: tuple[Rehoming, ...] = ()
    backfill_jobs: dict[tuple[str, int, int], int] = field(default_factory=dict)


@dataclass
class TraceLookup:
    store: Store
    settings: Settings
    units: AdminUnitIndex

    async def event(self, event_id: str, visible: Visible = everyone) -> EventTrace:
        stored = await asyncio.to_thread(self._stored_event, event_id)
        facts = await self._facts(stored, visible)
        held = await self._held(feed_topic=facts[0].routed.topic if facts else None, event_id=event_id)
        if not facts and held:
            return held_trace(*held[-1])
        if not facts:
            raise EventNotFound(f"no hub process has routed an event {event_id!r}")
        return with_quarantine(
            event_trace(facts[0], _visible_subscriptions(stored, visible), self.units), held
        )

    async def record(
        self, topic: str, record_key: str, limit: int, visible: Visible = everyone
    ) -> RecordTrace:
        stored = await asyncio.to_thread(self._stored_record, topic, record_key, limit)
        subscriptions = _visible_subscriptions(stored, visible)
        facts = await self._facts(stored, visible)
        held = await self._held(feed_topic=topic, record_key=record_key)
        events = [with_quarantine(event_trace(item, subscriptions, self.units), held) for item in facts]
        routed = {event.event_id for event in events}
        events += [held_trace(entry, record) for entry, record in held if entry.event_id not in routed]
        return RecordTrace(topic=topic, record_key=record_key, events=events, truncated=stored.truncated)

    # -- the store --------------------------------------------------------------------------------

    def _stored_event(self, event_id: str) -> _Stored:
        rehomings = _rehomings(self.store)
        with self.store.session() as session:
            routed = routed_events.get(session, event_id)
            attempts = _attempts(session, _derived_ids(event_id, rehomings))
            subscriptions = stored_subscriptions.list_all(session)
            jobs = _backfill_jobs(session, attempts)
        return _Stored(
            [routed] if routed else [], attempts, subscriptions, rehomings=rehomings, backfill_jobs=jobs
        )

    def _stored_record(self, topic: str, record_key: str, limit: int) -> _Stored:
        rehomings = _rehomings(self.store)
        with self.store.session() as session:
            routed = routed_events.of_record(session, topic, record_key, limit + 1)
            attempts = _attempts(
                session, [i for row in routed for i in _derived_ids(row.event_id, rehomings)]
            )
            subscriptions = stored_subscriptions.list_all(session)
            jobs = _backfill_jobs(session, attempts)
        return _Stored(
            routed[-limit:],
            attempts,
            subscriptions,
            truncated=len(routed) > limit,
            rehomings=rehomings,
            backfill_jobs=jobs,
        )

    # -- Kafka ------------------------------------------------------------------------------------

    async def _held(
        self, *, feed_topic: str | None, event_id: str | None = None, record_key: str | None = None
    ) -> list[Held]:
        """The event's (or record's) quarantine records (on its feed's quarantine topic, else on those
        of every registered connector's feeds); none when Kafka does not answer."""
        try:
            feeds = [feed_topic] if feed_topic else await asyncio.to_thread(connector_feed_topics, self.store)
            found = await find_held(
                self.settings.kafka_address(), feeds, event_id=event_id, record_key=record_key
            )
            return await asyncio.to_thread(mark_republished, self.store, found)
        except HubError:
            return []

    async def _facts(self, stored: _Stored, visible: Visible) -> list[EventFacts]:
        owners = {sub.id: sub.owner for sub in stored.subscriptions}
        attempts = [a for a in stored.attempts if visible(a.subscription_id, owners.get(a.subscription_id))]
        routed = stored.routed or _from_attempts(attempts)
        if not routed:
            return []
        groups = {sub.id: feed_group(sub.id) for sub in _visible_subscriptions(stored, visible)}
        warnings: list[str] = []
        try:
            events, committed = await self._read_kafka(routed, list(groups.values()))
        except HubError as exc:
            warnings.append(f"Kafka did not answer ({exc.code}): filter decisions could not be replayed")
            events, committed = {}, {}
        facts = []
        for row in (_completed(row, events) for row in routed):
            tp = TopicPartition(row.topic, row.partition)
            found = events.get(_address(row))
            facts.append(
                EventFacts(
                    routed=row,
                    attempts=[
                        a for a in attempts if a.event_id in _derived_ids(row.event_id, stored.rehomings)
                    ],
                    event=found[1] if found else None,
                    committed={sid: committed.get(group, {}).get(tp) for sid, group in groups.items()},
                    warnings=warnings,
                    rehomings=stored.rehomings,
                    backfill_jobs=stored.backfill_jobs,
                )
            )
        return facts

    async def _read_kafka(
        self, routed: list[RoutedEvent], groups: list[str]
    ) -> tuple[dict[Address, tuple[Record, ChangeEvent]], dict[str, dict[TopicPartition, int]]]:
        bootstrap = self.settings.kafka_address()
        events = await kafka_reads.read_events(bootstrap, [_address(row) for row in routed])
        tps = {TopicPartition(row.topic, row.partition) for row in routed}
        return events, await kafka_reads.committed_offsets(bootstrap, groups, tps)


def _rehomings(store: Store) -> tuple[Rehoming, ...]:
    """The loaded administrative-units versions and the subscriptions each re-homed (ADR 012)."""
    return tuple(
        Rehoming(
            view.version,
            view.loaded_at,
            frozenset(job.subscription_id for job in view.rehoming if job.job_id),
        )
        for view in UnitsService(store).versions()
        if view.loaded_at is not None
    )


def _derived_ids(event_id: str, rehomings: Sequence[Rehoming]) -> list[str]:
    """The event's id and those of the events derived from it: its move-out, its re-homing move-outs."""
    return [
        event_id,
        moved_out_id(event_id),
        *(rehomed_out_id(event_id, rehoming.version) for rehoming in rehomings),
    ]


def _attempts(session: Session, event_ids: Sequence[str]) -> list[DeliveryAttempt]:
    if not event_ids:
        return []
    query = (
        select(DeliveryAttempt).where(DeliveryAttempt.event_id.in_(event_ids)).order_by(DeliveryAttempt.id)
    )
    return list(session.scalars(query))


def _backfill_jobs(session: Session, attempts: Sequence[DeliveryAttempt]) -> dict[tuple[str, int, int], int]:
    """The job that produced each backfill attempt's record: the latest whose lane started at or
    before the record's offset on that partition."""
    found: dict[tuple[str, int, int], int] = {}
    for row in (a for a in attempts if is_backfill(a)):
        for job in state_jobs.list_for(session, row.subscription_id):  # newest first
            start = (job.lane_start or {}).get(f"{row.topic}:{row.partition}")
            if start is not None and start <= row.offset:
                found[(row.topic, row.partition, row.offset)] = job.id
                break
    return found


def _visible_subscriptions(stored: _Stored, visible: Visible) -> list[Subscription]:
    return [sub for sub in stored.subscriptions if visible(sub.id, sub.owner)]


def _address(row: RoutedEvent) -> Address:
    return (row.topic, row.partition, row.offset)


def _from_attempts(attempts: Sequence[DeliveryAttempt]) -> list[RoutedEvent]:
    """An event logged before its routed row was (the row was lost): its address from the log."""
    first = next(iter(attempts), None)
    if first is None:
        return []
    return [
        RoutedEvent(
            event_id=first.event_id, event_type="", record_key=first.record_key or "", topic=first.topic,
            partition=first.partition, offset=first.offset, snapshot=False, first_routed_at=first.started_at,
        )
    ]  # fmt: skip


def _completed(row: RoutedEvent, events: dict[Address, tuple[Record, ChangeEvent]]) -> RoutedEvent:
    """A row rebuilt from the log gets its source facts from the event read back, when there is one."""
    found = events.get(_address(row))
    if row.event_type or found is None:
        return row
    record, event = found
    return RoutedEvent(**routed_row(record, event, datetime.now(UTC)))


__all__ = ["EventNotFound", "TraceLookup"]
