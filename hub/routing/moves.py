"""The move-out event: what the subscribers of a unit a record left receive instead of the change.

A connector stamps an update whose administrative unit changed with ``adminunitprev`` (the unit
it left, from its record memory). A subscription that matches the event only through that unit
has lost the record from its scope: it must hear that, but not the record's new contents (now
another unit's data). ``moved_out`` derives that event, purely from the original, so every hub
process and every redelivery derives the same bytes:

- ``id``: UUIDv5 of the original id and ``moved-out`` (one ``webhook-id`` across redeliveries);
- same ``type``, ``subject``, ``source``, ``time``, ``dataschema`` and trace context;
- ``adminunit``: the unit it left (so grants judge it by that unit), no other unit extension;
- data: ``op: "d"``, ``before`` and ``after`` null, the same ``source`` block, and
  ``moved: {"from": <left>, "to": <now>}``.
"""

from __future__ import annotations

import uuid

from schemas.events import ChangeEvent, ChangePayload, Op
from schemas.events.change import Moved
from schemas.events.ids import EVENT_NAMESPACE

MOVED_OUT = "moved-out"


def moved_out_id(event_id: str) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{event_id}\x1f{MOVED_OUT}"))


def moved_out(event: ChangeEvent) -> ChangeEvent:
    """The move-out derived from ``event``, which must carry ``adminunitprev``."""
    if event.adminunitprev is None:
        raise ValueError(f"event {event.id} did not move: it has no adminunitprev")
    payload = ChangePayload(
        op=Op.DELETE,
        source=event.data.source,
        moved=Moved(from_unit=event.adminunitprev, to_unit=event.adminunit),
    )
    return event.model_copy(
        update={
            "id": moved_out_id(event.id),
            "adminunit": event.adminunitprev,
            "adminunitorig": None,
            "adminunitprev": None,
            "adminunitcandidates": None,
            "data": payload,
        }
    )


__all__ = ["MOVED_OUT", "moved_out", "moved_out_id"]
