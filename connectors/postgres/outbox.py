"""Outbox mode of ``postgres_cdc``: one captured table is a transactional outbox
(``connectors.outbox``), published row by row as the application wrote it, then cleaned up.

* Only inserts are events (``ChangeStream`` drops the outbox's updates, deletes and truncates:
  they are the cleanup). Snapshot reads of the outbox are events too: rows the table held when
  the connector first started (or when an operator asked for a snapshot of it) were never
  published; with ``mark`` cleanup the rows already marked are read and skipped.
* A row the convention cannot read (no event type, a payload that is not a JSON object) is not
  raised, since the WAL cannot be corrected and the connector would stop for good while the
  slot holds the server's WAL: it goes to the outbox feed's quarantine topic with the reason
  (``Change.rejected``), and is cleaned up like the others.
* Cleanup follows the slot: the ids read in each transaction are kept under the transaction's
  end LSN, and ``clean_up(lsn)`` deletes (or marks) the rows of the transactions at or before
  the committed position, which the runtime commits only after Kafka acknowledged them.

What may be left behind: rows of transactions whose cleanup never ran because the process died
between saving the position and the cleanup, or the cleanup itself failed. They were published
and the stream has moved past them, so they are not published again by themselves; a snapshot
of the outbox table (``hub connectors snapshot``) re-publishes them with their ids and cleans
them up. Rows inserted while a snapshot chunk of the outbox is being read may be published twice,
with the same id.
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from typing import Any

from psycopg import AsyncConnection, sql

from connectors import outbox
from connectors.errors import ColumnMissing
from connectors.postgres.errors import OutboxMarkColumnType
from connectors.postgres.tables import TableSpec
from connectors.source import Change
from schemas.events import Op

Connection = AsyncConnection[tuple[Any, ...]]

_COLUMN_TYPE = """
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = to_regclass(%s) AND attname = %s AND attnum > 0 AND NOT attisdropped
"""


class OutboxCapture:
    """The outbox table's rows as events, and the ids waiting for their cleanup."""

    def __init__(self, table: TableSpec, mark: tuple[str, sql.Composable] | None = None) -> None:
        self.table = table
        self._mark = mark  # (published column, the value cleanup sets), or None: delete
        self._open: list[Any] = []  # ids read in the transaction not yet ended
        self._pending: deque[tuple[int, list[Any]]] = deque()  # (transaction end LSN, ids)

    def convert(self, change: Change) -> Change | None:
        """The event of an outbox row, the change itself for another table, or None to skip it."""
        if change.table != self.table.name:
            return change
        row = change.after
        if row is None or change.op not in (Op.CREATE, Op.READ) or self._marked(row):
            return None
        if row.get(outbox.ID) is not None:
            self._open.append(row[outbox.ID])
        try:
            return outbox.outbox_change(
                row, position=change.position, txid=change.txid, commit_time=change.commit_time,
                snapshot=change.snapshot,
            )  # fmt: skip
        except outbox.MalformedOutboxRow as exc:
            return replace(change, rejected=exc)

    def _marked(self, row: dict[str, Any]) -> bool:
        return self._mark is not None and row.get(self._mark[0]) not in (None, False)

    def transaction_ended(self, end_lsn: int) -> None:
        """The ids read so far belong to the transaction ending at ``end_lsn``."""
        if self._open:
            self._pending.append((end_lsn, self._open))
            self._open = []

    async def clean_up(self, conn: Connection, upto_lsn: int) -> int:
        """Delete or mark the rows of every transaction ending at or before ``upto_lsn``."""
        done = 0
        while done < len(self._pending) and self._pending[done][0] <= upto_lsn:
            done += 1
        ids = [row_id for _, batch in list(self._pending)[:done] for row_id in batch]
        if ids:
            await conn.execute(self._cleanup_statement(), (ids,))
        for _ in range(done):
            self._pending.popleft()
        return len(ids)

    def _cleanup_statement(self) -> sql.Composed:
        schema, _, name = self.table.name.partition(".")
        table, key = sql.Identifier(schema, name), sql.Identifier(outbox.ID)
        if self._mark is None:
            return sql.SQL("DELETE FROM {} WHERE {} = ANY(%s)").format(table, key)
        column, value = self._mark
        return sql.SQL("UPDATE {} SET {} = {} WHERE {} = ANY(%s)").format(
            table, sql.Identifier(column), value, key
        )


async def outbox_capture(conn: Connection, table: TableSpec, mark_column: str | None) -> OutboxCapture:
    """The capture of ``table`` as the outbox, or a ``ConfigurationError`` saying why it cannot be."""
    required = [*outbox.REQUIRED_COLUMNS, *([mark_column] if mark_column else [])]
    missing = [column for column in required if column not in table.columns]
    if missing:
        raise ColumnMissing(
            f"outbox table {table.name} has no column(s) {', '.join(missing)}",
            details={"table": table.name, "missing": missing},
        )
    if mark_column is None:
        return OutboxCapture(table)
    return OutboxCapture(table, (mark_column, await _mark_value(conn, table.name, mark_column)))


async def _mark_value(conn: Connection, table: str, column: str) -> sql.Composable:
    """What marks a row published: true in a flag, the time in a timestamp (the server's zone
    for one without a zone, as the application's own ``now()`` writes it)."""
    cursor = await conn.execute(_COLUMN_TYPE, (table, column))
    found = await cursor.fetchone()
    column_type = str(found[0]) if found else ""
    if column_type == "boolean":
        return sql.SQL("true")
    if column_type.startswith("timestamp"):
        return sql.SQL("now()")
    raise OutboxMarkColumnType(
        f"outbox column {table}.{column} is {column_type}: cleanup can mark a boolean or a timestamp"
    )


__all__ = ["OutboxCapture", "outbox_capture"]
