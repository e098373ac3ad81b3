"""The raw source change kept in a quarantine record, so it can be mapped again later.

A quarantined event shows the row as the mapping left it (or as read, when the mapping
failed); after an operator fixes the mapping or the contract, republishing must start again
from the row exactly as the source gave it, with its Python types. JSON has no decimals, dates
or bytes, so such values are written as one-key objects naming their type, and read back to
the same type::

    {"$decimal": "12.50"}  {"$date": "2024-05-01"}  {"$datetime": "2024-05-01T08:00:00+00:00"}
    {"$time": "08:00:00"}  {"$bytes": "<base64>"}   {"$uuid": "..."}  {"$timedelta": 3600.0}

Every other value is plain JSON (str, int, float, bool, None, lists, objects); anything else is
written as its text, which is the best a later mapping can do with it. ``encode_change`` and
``decode_change`` are inverses for every change a source produces.
"""

from __future__ import annotations

import base64
import dataclasses
import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from connectors.source import Change
from schemas.errors import InvalidInput
from schemas.events import Op

_DECODERS: dict[str, Callable[[Any], Any]] = {
    "$decimal": Decimal,
    "$date": date.fromisoformat,
    "$datetime": datetime.fromisoformat,
    "$time": time.fromisoformat,
    "$bytes": base64.b64decode,
    "$uuid": uuid.UUID,
    "$timedelta": lambda seconds: timedelta(seconds=seconds),
}


class HeldChangeUnreadable(InvalidInput):
    """A quarantine record whose ``change`` is missing or malformed (written before it existed)."""

    code = "held_change_unreadable"


def encode_value(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime):  # before date: a datetime is a date
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    if isinstance(value, timedelta):
        return {"$timedelta": value.total_seconds()}
    if isinstance(value, list | tuple):
        return [encode_value(item) for item in value]
    if isinstance(value, dict):
        return {str(name): encode_value(item) for name, item in value.items()}
    return str(value)


def decode_value(value: Any) -> Any:
    if isinstance(value, list):
        return [decode_value(item) for item in value]
    if isinstance(value, dict):
        if len(value) == 1:
            ((tag, inner),) = value.items()
            if tag in _DECODERS:
                return _DECODERS[tag](inner)
        return {name: decode_value(item) for name, item in value.items()}
    return value


def _row(row: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if row is None else {name: encode_value(value) for name, value in row.items()}


def encode_change(change: Change) -> dict[str, Any]:
    """The change as JSON (its rejection reason is not kept: the record's ``reason`` has it)."""
    return {
        "table": change.table,
        "op": change.op.value,
        "key": _row(change.key),
        "before": _row(change.before),
        "after": _row(change.after),
        "position": change.position,
        "txid": change.txid,
        "commit_time": change.commit_time.isoformat() if change.commit_time else None,
        "snapshot": change.snapshot,
        "unchanged_toast": list(change.unchanged_toast),
        "event_type": change.event_type,
        "event_id": change.event_id,
        "traceparent": change.traceparent,
        "admin_unit": change.admin_unit,
    }


def decode_change(document: Any) -> Change:
    """The change ``encode_change`` wrote (``held_change_unreadable`` for anything else)."""
    if not isinstance(document, dict):
        raise HeldChangeUnreadable("the quarantine record carries no source change to map again")
    try:
        change = Change(
            table=document["table"],
            op=Op(document["op"]),
            key=decode_value(document["key"]) or {},
            before=decode_value(document.get("before")),
            after=decode_value(document.get("after")),
            position=document["position"],
        )
        commit_time = document.get("commit_time")
        return dataclasses.replace(
            change,
            txid=document.get("txid"),
            commit_time=datetime.fromisoformat(commit_time) if commit_time else None,
            snapshot=bool(document.get("snapshot")),
            unchanged_toast=tuple(document.get("unchanged_toast") or ()),
            event_type=document.get("event_type"),
            event_id=document.get("event_id"),
            traceparent=document.get("traceparent"),
            admin_unit=document.get("admin_unit"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise HeldChangeUnreadable(f"the quarantine record's source change is malformed: {exc}") from exc


__all__ = ["HeldChangeUnreadable", "decode_change", "decode_value", "encode_change", "encode_value"]
