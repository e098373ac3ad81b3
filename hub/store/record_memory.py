"""The connectors' record memory (``connectors.record_memory``) in the control-plane store.

One row per source record of a connector: ``(connector, table, source key)`` -> the event type,
record key and key fields it was published under, its last administrative unit (current era) and
the code it carried, whether it was deleted, and the source position of that change. Read with one
``SELECT ... IN`` per batch, written with one multi-row upsert per batch, in the same transaction
as the connector's position, whose UPDATE checks the lease first: a worker that lost the lease
saves neither (ADR 009). Rows of a deleted connector go with it (``ON DELETE CASCADE``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, ForeignKey, String, Table, Text, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from connectors.record_memory import RecordState, SourceKey
from hub.store.base import Base, utcnow

IN_LIST_CHUNK = 500  # keys per SELECT: bounded statement size whatever the batch size


class ConnectorRecordRow(Base):
    __tablename__ = "connector_records"

    connector: Mapped[str] = mapped_column(
        String(63), ForeignKey("connectors.name", ondelete="CASCADE"), primary_key=True
    )
    source_table: Mapped[str] = mapped_column(String(300), primary_key=True)
    source_key: Mapped[str] = mapped_column(Text, primary_key=True)
    event_type: Mapped[str] = mapped_column(String(200))
    record_key: Mapped[str] = mapped_column(Text)
    key_fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    admin_unit: Mapped[str | None] = mapped_column(String(20))
    original_unit: Mapped[str | None] = mapped_column(String(20))
    deleted: Mapped[bool] = mapped_column(default=False)
    position: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


_TABLE = cast(Table, ConnectorRecordRow.__table__)


def recall(session: Session, connector: str, keys: Collection[SourceKey]) -> dict[SourceKey, RecordState]:
    """Plain rows, not ORM objects: thousands per second are read on a bulk load."""
    found: dict[SourceKey, RecordState] = {}
    ordered = sorted(keys)
    table = _TABLE
    identity = tuple_(table.c.source_table, table.c.source_key)
    for start in range(0, len(ordered), IN_LIST_CHUNK):
        chunk = ordered[start : start + IN_LIST_CHUNK]
        rows = session.execute(
            select(*(table.c[name] for name in _READ)).where(
                table.c.connector == connector, identity.in_(chunk)
            )
        )
        found.update(((row[0], row[1]), RecordState(*row)) for row in rows)
    return found


def save(session: Session, connector: str, states: Sequence[RecordState]) -> None:
    """Upsert the batch's states (the last of each key wins): one executemany, sent in few statements."""
    if not states:
        return
    now = utcnow()
    latest = {state.ident: state for state in states}
    values = [_values(connector, state, now) for state in latest.values()]
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(_TABLE)
    updated = {name: statement.excluded[name] for name in _UPDATED}
    upsert = statement.on_conflict_do_update(
        index_elements=["connector", "source_table", "source_key"], set_=updated
    )
    session.execute(upsert, values)


_READ = (  # in RecordState's field order
    "source_table", "source_key", "event_type", "record_key", "key_fields", "admin_unit", "original_unit",
    "deleted", "position",
)  # fmt: skip
_UPDATED = (
    "event_type", "record_key", "key_fields", "admin_unit", "original_unit", "deleted", "position",
    "updated_at",
)  # fmt: skip


def _values(connector: str, state: RecordState, now: datetime) -> dict[str, Any]:
    return {
        "connector": connector, "source_table": state.table, "source_key": state.source_key,
        "event_type": state.event_type, "record_key": state.record_key, "key_fields": dict(state.key_fields),
        "admin_unit": state.admin_unit, "original_unit": state.original, "deleted": state.deleted,
        "position": state.position, "updated_at": now,
    }  # fmt: skip


__all__ = ["ConnectorRecordRow", "recall", "save"]
