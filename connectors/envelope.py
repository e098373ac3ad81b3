"""From a captured ``Change`` to the ``ChangeEvent`` published for it (pure, no I/O).

What makes an event reproducible lives here: the id derives from the connector, table, source
position, record key and operation (``schemas.events.event_id``), unless an outbox row chose its
own; the record key (message key and CloudEvent ``subject``) is the key columns' values joined
by ``:`` in the order the source gave them, as ``schemas.feeds.FeedSpec.record_key`` does. So a
change re-read after a crash becomes the same event, byte for byte apart from ``time`` when the
source has no commit time.

A change about a whole table (a truncate) has no record key: its subject and message key are the
table's name (``public.parcel``), because CloudEvents forbids an empty ``subject`` and one fixed
key sends every truncate of a table to the same partition.

Binary column values (PostgreSQL ``bytea``, a SQL ``BLOB``/``VARBINARY``: Python ``bytes``) go
on the wire as standard base64 strings (RFC 4648 section 4, ``+/`` alphabet, padded), in rows
and in record keys alike: JSON has no bytes, and text that happens to decode as UTF-8 must not
look like a string column. Contracts describe such a column as
``{"type": "string", "contentEncoding": "base64"}``. Debezium's ``binary.handling.mode=base64``
writes the same.
"""

from __future__ import annotations

import base64
import functools
from datetime import UTC, datetime
from typing import Any

from connectors.config import ConnectorConfigBase, TableFeed
from connectors.source import Change
from schemas import naming
from schemas.errors import ConfigurationError
from schemas.events import ChangeEvent, ChangePayload, Op, SourceInfo, event_id
from schemas.feeds.spec import KEY_SEPARATOR

_BINARY = (bytes, bytearray, memoryview)
_REENCODED = (*_BINARY, list)  # values whose wire form differs from the row's
_AS_IS = frozenset({str, int})  # key values written with ``str`` as they are (asked per change)


class UnroutableChange(ConfigurationError):
    """A change of a table no feed lists and without an event type of its own: a source bug."""

    code = "unroutable_change"


@functools.lru_cache(maxsize=1024)
def topic_of(event_type: str) -> str:
    """Parsed once per event type: it is asked for every change of a bulk snapshot."""
    return naming.parse_event_type(event_type).topic


def record_key(change: Change) -> str:
    """The record's key; the table's name for a change of the whole table (a truncate)."""
    if change.op is Op.TRUNCATE:
        return change.table
    return KEY_SEPARATOR.join(
        [value if type(value) is str else _key_text(value) for value in change.key.values()]
    )


def _key_text(value: Any) -> str:
    return str(value) if type(value) in _AS_IS else str(wire_value(value))


def wire_value(value: Any) -> Any:
    """A column value as JSON can carry it: bytes become base64 text (see the module docstring)."""
    if isinstance(value, _BINARY):  # a tuple: a union built per call costs on every change
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, list):  # an array column (bytea[]...)
        return [wire_value(item) for item in value]
    return value


def wire_row(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """The row with its binary values encoded; the row itself when it has none (the usual case)."""
    if row is None:
        return None
    for value in row.values():  # a plain loop: no generator per row
        if isinstance(value, _REENCODED):
            return {name: wire_value(value) for name, value in row.items()}
    return row


def source_uri(connector: str, table: str) -> str:
    """The CloudEvent ``source``: a URI reference naming the connector and the table."""
    return f"/connectors/{connector}/{table}"


def row_of(change: Change) -> dict[str, Any] | None:
    """The row a change is about: the new one, or the old one for a delete."""
    return change.after if change.after is not None else change.before


class Envelope:
    """Builds the events of one connector's changes."""

    def __init__(self, config: ConnectorConfigBase) -> None:
        self.connector = config.name
        self.database = config.database_label()
        self._feeds = {feed.table: feed for feed in config.feeds}

    def feed_of(self, change: Change) -> TableFeed | None:
        return self._feeds.get(change.table)

    def event_type(self, change: Change) -> str:
        if change.event_type is not None:
            return change.event_type
        feed = self.feed_of(change)
        if feed is None:
            raise UnroutableChange(f"change of {change.table!r}, which no feed of {self.connector} lists")
        return feed.event_type

    def topic(self, change: Change) -> str:
        return topic_of(self.event_type(change))

    def admin_unit_code(self, change: Change) -> str | None:
        feed = self.feed_of(change)
        if change.admin_unit is not None or (feed is not None and feed.mapping is not None):
            return change.admin_unit  # computed by the mapping (or not), or recalled for a delete
        row = row_of(change)
        if feed is None or feed.admin_unit_column is None or row is None:
            return None
        value = row.get(feed.admin_unit_column)
        return None if value is None else str(value)

    def build(self, change: Change, data: ChangePayload | None = None, **attributes: Any) -> ChangeEvent:
        """The event; ``attributes`` sets optional ones (traceparent, dataschema, adminunit...).

        ``data`` is the change's ``payload``, when the caller already built it to check it first.
        """
        key = record_key(change)
        return ChangeEvent(
            id=change.event_id
            or event_id(self.connector, change.table, change.position, key, change.op.value),
            source=source_uri(self.connector, change.table),
            type=self.event_type(change),
            subject=key,
            time=change.commit_time or datetime.now(UTC),
            data=data if data is not None else self.payload(change),
            **attributes,
        )

    def payload(self, change: Change) -> ChangePayload:
        schema_name, _, table_name = change.table.rpartition(".")
        return ChangePayload(
            op=change.op,
            before=wire_row(change.before),
            after=wire_row(change.after),
            source=SourceInfo(
                connector=self.connector,
                database=self.database,
                schema=schema_name or None,
                table=table_name,
                position=change.position,
                txid=change.txid,
                commit_time=change.commit_time,
                snapshot=change.snapshot,
            ),
            unchanged=list(change.unchanged_toast) or None,
        )


__all__ = ["Envelope", "UnroutableChange", "record_key", "row_of", "source_uri", "wire_row", "wire_value"]
