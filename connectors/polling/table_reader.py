"""Polling one table: the next rows after its watermark, each turned into a ``Change``.

Late commits and the safety window
----------------------------------
A transaction stamps ``updated_at`` when it writes (statement or transaction start), but its rows
become visible only when it commits. Had the poller already passed that timestamp, reading
strictly after the watermark would skip those rows forever. Two cures exist: re-read a trailing
window behind the watermark and suppress what was already published, or never read a row until
its ``updated_at`` is older than ``now - safety_window``. This reader does the second:

- the position stays exactly ``(updated_at, key)`` of the last row read: a restart resumes right
  after it and re-reads nothing that was committed (the re-read-and-suppress way would have to
  carry every recently published row in the position, unbounded during a bulk load, or re-publish
  the whole window after each restart);
- a row is never read while a transaction that stamped an earlier time can still be open, as long
  as transactions (plus clock skew between writers and this process) last less than the window;
- the price is latency: a change is published ``safety_window_s`` after it was stamped. Sources
  that need less use PostgreSQL CDC or the outbox (whose rows are deleted once published, so the
  outbox needs no window at all).

Timestamps without a zone are read as wall-clock time in the configured zone. Two versions of a
row with the same ``updated_at`` are one position: the column needs sub-second precision (for
example MySQL ``DATETIME(6)``) if a row can change twice within a second.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, RowMapping

from connectors.polling.cursor import TableProgress
from connectors.polling.query import changes_query
from connectors.polling.tables import PolledTable
from connectors.polling.watermark import Watermark
from connectors.source import Change
from schemas.events import Op

NOT_DELETED = (None, False, 0)


class TableReader:
    def __init__(
        self, polled: PolledTable, progress: TableProgress, *, zone: ZoneInfo, window_s: float
    ) -> None:
        self.polled = polled
        self.progress = progress
        self.zone = zone
        self.window = timedelta(seconds=window_s)
        self.behind = False  # the last poll filled its page: more rows are waiting

    @property
    def snapshotting(self) -> bool:
        return self.progress.snapshot_until is not None

    def start_snapshot(self) -> None:
        """Read the table from its beginning; rows stamped until now are snapshot reads."""
        self.progress = TableProgress(None, self.now())

    def now(self) -> datetime:
        """The current instant in the frame of the updated-at column (aware or local wall clock)."""
        now = datetime.now(UTC)
        return now if self.polled.aware else now.astimezone(self.zone).replace(tzinfo=None)

    def lag_s(self) -> float:
        """How old the last row read is: the backlog, when the reader is behind."""
        watermark = self.progress.watermark
        return 0.0 if watermark is None else (self.now() - watermark.updated_at).total_seconds()

    def poll(self, conn: Connection, limit: int) -> list[Change]:
        cutoff = self.now() - self.window
        query = changes_query(
            self.polled.table, self.polled.order, after=self.progress.watermark, cutoff=cutoff, limit=limit
        )
        rows = conn.execute(query).mappings().all()
        changes = [change for row in rows if (change := self._change(row)) is not None]
        self.behind = len(rows) >= limit
        self._advance(rows[-1] if rows else None, finished=not self.behind, cutoff=cutoff)
        return changes

    def _advance(self, last: RowMapping | None, *, finished: bool, cutoff: datetime) -> None:
        watermark = self._watermark(last) if last is not None else self.progress.watermark
        until = self.progress.snapshot_until
        if until is not None and finished and cutoff >= until:
            until = None  # every row stamped before the snapshot began has been read
        self.progress = TableProgress(watermark, until)

    def _watermark(self, row: RowMapping) -> Watermark:
        return Watermark(row[self.polled.updated_at], tuple(row[k] for k in self.polled.key))

    def _change(self, row: RowMapping) -> Change | None:
        values = dict(row)
        stamped: datetime = values[self.polled.updated_at]
        until = self.progress.snapshot_until
        snapshot = until is not None and stamped <= until
        deleted = self._deleted(values)
        if snapshot and deleted:
            return None  # a record that no longer existed when the snapshot began
        op = Op.READ if snapshot else Op.DELETE if deleted else self._write_op(values, stamped)
        return Change(
            table=self.polled.name,
            op=op,
            key={k: values[k] for k in self.polled.key},
            before=values if op is Op.DELETE else None,
            after=None if op is Op.DELETE else values,
            position=self._watermark(row).encode(),
            commit_time=self._instant(stamped),
            snapshot=snapshot,
        )

    def _deleted(self, values: dict[str, Any]) -> bool:
        column = self.polled.roles.soft_delete
        return column is not None and values[column] not in NOT_DELETED

    def _write_op(self, values: dict[str, Any], stamped: datetime) -> Op:
        """A row not updated since its insert is a create; it is the same answer on every re-read."""
        column = self.polled.roles.created_at
        created = values[column] if column is not None else None
        return Op.CREATE if created is not None and created >= stamped else Op.UPDATE

    def _instant(self, stamped: datetime) -> datetime:
        return stamped if stamped.tzinfo is not None else stamped.replace(tzinfo=self.zone).astimezone(UTC)


__all__ = ["TableReader"]
