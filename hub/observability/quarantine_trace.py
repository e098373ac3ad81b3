"""The quarantine hop of a trace: where ``hub trace`` finds an event its connector held back.

An event the hub never routed may be on a quarantine topic: its trace is then the source
commit and the ``quarantined`` hop with the reason (``held_trace``). An event that was
quarantined and later republished has both: the ``quarantined`` hop goes right after the commit,
before the ``published`` hop of its republication (``with_quarantine``). The hop's outcome says
which: ``held`` or ``republished``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bus.records import Record
from hub.observability.trace_model import EventTrace, Hop, KafkaPoint, SourcePoint
from hub.services.quarantine.entries import (
    QuarantineEntry,
    body_of,
    entry_of,
    mapping_at,
    quarantine_topics,
    read_quarantine,
)
from schemas.tracing import trace_id_of

Held = tuple[QuarantineEntry, Record]


async def find_held(
    bootstrap: str, feed_topics: Sequence[str], *, event_id: str | None = None, record_key: str | None = None
) -> list[Held]:
    """Quarantine records of one event or one record key, on the quarantine of ``feed_topics``."""
    topics = await quarantine_topics(bootstrap, feed_topics)
    found = []
    for record in await read_quarantine(bootstrap, topics):
        entry = entry_of(record)
        if (event_id is None or entry.event_id == event_id) and (
            record_key is None or entry.record_key == record_key
        ):
            found.append((entry, record))
    return found


def quarantine_hop(entry: QuarantineEntry, outcome: str) -> Hop:
    return Hop(
        kind="quarantined",
        at=entry.quarantined_at,
        outcome=outcome,
        detail=f"[{entry.code}] {entry.reason} ({entry.id})",
    )


def with_quarantine(trace: EventTrace, held: Sequence[Held]) -> EventTrace:
    hops = [
        quarantine_hop(entry, "republished") for entry, _record in held if entry.event_id == trace.event_id
    ]
    if not hops:
        return trace
    at = 1 if trace.hops and trace.hops[0].kind == "committed" else 0
    return trace.model_copy(update={"hops": [*trace.hops[:at], *hops, *trace.hops[at:]]})


def held_trace(entry: QuarantineEntry, record: Record) -> EventTrace:
    """The trace of an event that never reached its feed: committed, then quarantined."""
    source = _source_of(body_of(record))
    where = f"{source.connector or '?'} {source.table or '?'} at {source.position or '?'}"
    committed = Hop(kind="committed", at=source.commit_time, detail=where)
    return EventTrace(
        event_id=entry.event_id or "",
        event_type=entry.event_type or "",
        record_key=entry.record_key or "",
        trace_id=trace_id_of(entry.traceparent),
        source=source,
        kafka=KafkaPoint(
            topic=entry.topic,
            partition=entry.partition,
            offset=entry.offset,
            published_at=entry.quarantined_at,
        ),
        subscriptions=[],
        hops=[committed, quarantine_hop(entry, "republished" if entry.republished_at else "held")],
        warnings=[_warning(entry)],
    )


def _warning(entry: QuarantineEntry) -> str:
    if entry.republished_at is not None:
        return f"republished on {entry.feed_topic}; no hub process has routed it yet"
    return f"held in quarantine, never published on {entry.feed_topic}: hub quarantine show {entry.id}"


def _source_of(body: dict[str, Any]) -> SourcePoint:
    source = mapping_at(mapping_at(mapping_at(body, "event"), "data"), "source")
    table = ".".join(part for part in (source.get("schema"), source.get("table")) if part) or None
    commit_time = source.get("commit_time")
    return SourcePoint(
        connector=source.get("connector"),
        table=table,
        position=source.get("position"),
        txid=source.get("txid"),
        commit_time=datetime.fromisoformat(commit_time) if isinstance(commit_time, str) else None,
        snapshot=bool(source.get("snapshot")),
    )


__all__ = ["find_held", "held_trace", "quarantine_hop", "with_quarantine"]
