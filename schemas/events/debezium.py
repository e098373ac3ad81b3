"""Read Debezium's JSON change events into our ``ChangeEvent``: a bridge for sources that already
run Debezium (Kafka Connect, Debezium Server) instead of the hub's own connectors.

Both shapes of the JSON converter are accepted: with ``schemas.enable=true`` (an envelope
``{"schema": ..., "payload": ...}``) and without it (the payload alone). With the envelope,
Debezium's semantic types are decoded to the JSON our contracts describe (``io.debezium.time.Date``
days -> ``"2026-11-20"``, micro/milli/nano timestamps -> RFC 3339 UTC, Kafka Connect ``Decimal``
bytes -> a number); without it, values pass through as Debezium wrote them.

A tombstone (null value, Debezium's follow-up to a delete for log compaction) is not a change:
``read`` returns ``Tombstone(key)`` for it, and callers skip it. ``op`` ``m`` (a logical decoding
message) is not a row change either and is refused. Anything missing or malformed raises
``InvalidInput`` naming the field, e.g. ``payload.source.lsn``.

The source position is the PostgreSQL LSN (``X/Y``, as ``pg_current_wal_lsn()`` prints it) or,
for MySQL, ``binlog-file:position``; with the record key and operation it makes the event id, so
a change Debezium re-delivers after a restart keeps its id.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from schemas import naming
from schemas.errors import InvalidInput
from schemas.events.change import ChangeEvent, ChangePayload, Op, SourceInfo
from schemas.events.ids import event_id
from schemas.feeds.spec import KEY_SEPARATOR

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SNAPSHOT_MARKERS = frozenset({"true", "first", "last", "first_in_data_collection", "last_in_data_collection",
                              "incremental"})  # fmt: skip
OPS = {"c": Op.CREATE, "u": Op.UPDATE, "d": Op.DELETE, "r": Op.READ, "t": Op.TRUNCATE}


class InvalidDebeziumEvent(InvalidInput):
    code = "invalid_debezium_event"


@dataclass(frozen=True)
class Tombstone:
    """A null-valued record: compaction's marker after a delete, carrying no change."""

    key: str | None


def read(key: bytes | str | None, value: bytes | str | None, *, event_type: str) -> ChangeEvent | Tombstone:
    """One Debezium record (message key and value, JSON) as a change event of ``event_type``."""
    naming.parse_event_type(event_type)
    key_fields = _key(_unwrap(_json(key, "key"))) if key is not None else None
    document = None if value is None else _json(value, "value")
    if document is None:
        return Tombstone(None if key_fields is None else _joined(key_fields))
    payload, schema = _envelope(document)
    return _event(_decode_rows(payload, schema), key_fields, event_type)


def _json(raw: bytes | str, what: str) -> Any:
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidDebeziumEvent(f"Debezium {what} is not JSON: {exc}") from exc


def _envelope(document: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    if isinstance(document, dict) and "payload" in document and "schema" in document:
        payload, schema = document["payload"], document["schema"]
    else:
        payload, schema = document, None
    if not isinstance(payload, dict):
        raise InvalidDebeziumEvent("Debezium value payload is not a JSON object")
    return payload, schema if isinstance(schema, dict) else None


def _unwrap(document: Any) -> Any:
    if isinstance(document, dict) and "payload" in document and "schema" in document:
        return document["payload"]
    return document


def _key(key: Any) -> dict[str, Any] | None:
    if key is None:
        return None
    if not isinstance(key, dict) or not key:
        raise InvalidDebeziumEvent("Debezium key is not a JSON object of key columns")
    return key


def _joined(key: dict[str, Any]) -> str:
    return KEY_SEPARATOR.join(str(value) for value in key.values())


def _require(node: dict[str, Any], name: str, where: str) -> Any:
    if node.get(name) is None:
        raise InvalidDebeziumEvent(
            f"Debezium event lacks {where}.{name}", details={"field": f"{where}.{name}"}
        )
    return node[name]


def _event(payload: dict[str, Any], key: dict[str, Any] | None, event_type: str) -> ChangeEvent:
    op_code = _require(payload, "op", "payload")
    if op_code not in OPS:
        raise InvalidDebeziumEvent(f"Debezium op {op_code!r} is not a row change (expected c, u, d, r or t)")
    op = OPS[op_code]
    source = _source(_require(payload, "source", "payload"), op)
    table = f"{source.schema_name}.{source.table}" if source.schema_name else source.table
    subject = _subject(key, op, table)
    try:
        return ChangeEvent(
            id=event_id(source.connector, table, source.position, subject, op.value),
            source=naming.source_uri(source.connector, table),
            type=event_type,
            subject=subject,
            time=source.commit_time or _millis(payload.get("ts_ms"), "payload.ts_ms"),
            data=ChangePayload(
                op=op, before=payload.get("before"), after=payload.get("after"), source=source
            ),
        )
    except ValidationError as exc:
        raise InvalidDebeziumEvent("Debezium event does not fit a change event",
                                   details=exc.errors(include_url=False)) from exc  # fmt: skip


def _subject(key: dict[str, Any] | None, op: Op, table: str) -> str:
    if key is not None:
        return _joined(key)
    if op is Op.TRUNCATE:
        return table  # a truncate is about the whole table; CloudEvents forbids an empty subject
    raise InvalidDebeziumEvent("Debezium record has no key (a table without a primary key?)",
                               details={"field": "key"})  # fmt: skip


def _source(node: Any, op: Op) -> SourceInfo:
    if not isinstance(node, dict):
        raise InvalidDebeziumEvent("Debezium payload.source is not an object")
    where = "payload.source"
    return SourceInfo(
        connector=str(_require(node, "name", where)),
        database=str(_require(node, "db", where)),
        schema=node.get("schema"),
        table=str(_require(node, "table", where)),
        position=_position(node),
        txid=None if node.get("txId") is None else str(node["txId"]),
        commit_time=_millis(_require(node, "ts_ms", where), f"{where}.ts_ms"),
        snapshot=op is Op.READ or str(node.get("snapshot", "false")).lower() in SNAPSHOT_MARKERS,
    )


def _position(source: dict[str, Any]) -> str:
    lsn = source.get("lsn")
    if isinstance(lsn, int) and not isinstance(lsn, bool) and lsn >= 0:
        return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"
    if source.get("file") is not None and source.get("pos") is not None:
        return f"{source['file']}:{source['pos']}"
    raise InvalidDebeziumEvent(
        "Debezium event lacks payload.source.lsn (PostgreSQL) or payload.source.file/pos (MySQL)",
        details={"field": "payload.source.lsn"},
    )


def _millis(value: Any, where: str) -> datetime:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidDebeziumEvent(f"Debezium {where} is not epoch milliseconds", details={"field": where})
    return EPOCH + timedelta(milliseconds=value)


def _decode_rows(payload: dict[str, Any], schema: dict[str, Any] | None) -> dict[str, Any]:
    """``before``/``after`` with semantic types decoded, when the envelope says what they are."""
    if schema is None:
        return payload
    row_fields = {f.get("field"): f for f in schema.get("fields", []) if isinstance(f, dict)}
    decoded = dict(payload)
    for side in ("before", "after"):
        row, row_schema = payload.get(side), row_fields.get(side)
        if isinstance(row, dict) and isinstance(row_schema, dict):
            columns = {f.get("field"): f for f in row_schema.get("fields", []) if isinstance(f, dict)}
            decoded[side] = {name: _column(value, columns.get(name)) for name, value in row.items()}
    return decoded


def _column(value: Any, schema: dict[str, Any] | None) -> Any:
    if value is None or schema is None:
        return value
    name, parameters = schema.get("name"), schema.get("parameters") or {}
    try:
        return _semantic(name, value, parameters)
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise InvalidDebeziumEvent(f"cannot decode {name} value {value!r}: {exc}") from exc


def _semantic(name: Any, value: Any, parameters: dict[str, Any]) -> Any:
    if name in {"io.debezium.time.Date", "org.apache.kafka.connect.data.Date"}:
        return (date(1970, 1, 1) + timedelta(days=int(value))).isoformat()
    scale = {
        "io.debezium.time.Timestamp": 1_000,
        "org.apache.kafka.connect.data.Timestamp": 1_000,
        "io.debezium.time.MicroTimestamp": 1_000_000,
        "io.debezium.time.NanoTimestamp": 1_000_000_000,
    }.get(name)
    if scale is not None:
        moment = EPOCH + timedelta(microseconds=int(value) * 1_000_000 // scale)
        return moment.isoformat().replace("+00:00", "Z")
    if name == "org.apache.kafka.connect.data.Decimal":
        return _number(int.from_bytes(base64.b64decode(value), "big", signed=True), int(parameters["scale"]))
    if name == "io.debezium.data.VariableScaleDecimal":
        raw = base64.b64decode(value["value"])
        return _number(int.from_bytes(raw, "big", signed=True), int(value["scale"]))
    return value


def _number(unscaled: int, scale: int) -> int | float:
    number = Decimal(unscaled).scaleb(-scale)
    return int(number) if number == number.to_integral_value() else float(number)
