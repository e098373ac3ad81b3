"""From a captured ``Change`` to the ``ChangeEvent`` published for it (pure, no I/O).

What makes an event reproducible lives here: the id derives from the connector, table, source
position, record key and operation (``schemas.events.event_id``), unless an outbox row chose its
own; the record key (message key and CloudEvent ``subject``) is the key columns' values joined
by ``:`` in the order the source gave them, as ``schemas.feeds.FeedRow.record_key`` does. So a
change re-read after a crash becomes the same event, byte for byte apart from ``time`` when the
source has no commit time.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from connectors.config import ConnectorConfigBase, TableFeed
from connectors.source import Change
from schemas import naming
from schemas.errors import ConfigurationError
from schemas.events import ChangeEvent, ChangePayload, SourceInfo, event_id
from schemas.feeds.row import KEY_SEPARATOR


class UnroutableChange(ConfigurationError):
    """A change of a table no feed lists and without an event type of its own: a source bug."""

    code = "unroutable_change"


@functools.lru_cache(maxsize=1024)
def topic_of(event_type: str) -> str:
    """Parsed once per event type: it is asked for every change of a bulk snapshot."""
    return naming.parse_event_type(event_type).topic


def record_key(change: Change) -> str:
    return KEY_SEPARATOR.join(str(value) for value in change.key.values())


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
        row = row_of(change)
        if feed is None or feed.admin_unit_column is None or row is None:
            return None
        value = row.get(feed.admin_unit_column)
        return None if value is None else str(value)

    def build(self, change: Change, **attributes: Any) -> ChangeEvent:
        """The event; ``attributes`` sets optional ones (traceparent, dataschema, adminunit...)."""
        key = record_key(change)
        schema_name, _, table_name = change.table.rpartition(".")
        return ChangeEvent(
            id=change.event_id
            or event_id(self.connector, change.table, change.position, key, change.op.value),
            source=source_uri(self.connector, change.table),
            type=self.event_type(change),
            subject=key,
            time=change.commit_time or datetime.now(UTC),
            data=ChangePayload(
                op=change.op,
                before=change.before,
                after=change.after,
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
            ),
            **attributes,
        )


__all__ = ["Envelope", "UnroutableChange", "record_key", "row_of", "source_uri"]
