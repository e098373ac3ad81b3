"""The streaming replication connection: pgoutput frames in, standby status out.

Why psycopg2 here when the rest of the project uses psycopg 3: psycopg 3 does not implement
the CopyBoth sub-protocol that ``START_REPLICATION`` needs, and psycopg2's
``LogicalReplicationConnection`` does, in C, over libpq. It is driven without a thread:
``read_message`` never blocks (libpq's asynchronous ``PQgetCopyData`` on a non-blocking
socket), so the asyncio loop waits for the socket with ``add_reader`` and drains whatever
arrived. Only connecting runs in a worker thread.

What it guarantees about the slot:

* It confirms (``flush_lsn``) only what the caller passes to :meth:`confirm`, which the source
  calls once the runtime committed after Kafka acknowledged.
* It replies to the server's keepalives and sends standby status every ``status_interval_s``
  (psycopg2 does so from ``read_message`` at whole-second intervals; :meth:`heartbeat` forces
  it at the configured interval), so the walsender neither times out nor waits.
* On an idle publication it lets the slot move past WAL that holds nothing for it: when a
  keepalive reports a WAL end beyond the last confirmed position and every frame received so
  far has been confirmed, psycopg2 forwards the flush position to that WAL end (its own rule,
  see ``pq_read_replication_message``), and the next heartbeat reports it. Without this the
  slot would pin WAL written by other databases forever.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import psycopg2
import psycopg2.errors
import psycopg2.extensions
import psycopg2.extras

from connectors.postgres.errors import ReplicationStreamBroken, SlotLost

PROTOCOL_VERSION = "1"


@dataclass(frozen=True)
class Frame:
    """One XLogData frame: where it sits in the WAL and its pgoutput payload."""

    data_start: int
    wal_end: int
    payload: bytes


def translate(exc: psycopg2.Error, slot: str) -> Exception:
    """The one place where psycopg2's errors become the connector's.

    Only a missing slot is certain from the error alone; for anything else the source checks
    the slot's state in ``pg_replication_slots`` before deciding it was lost.
    """
    if isinstance(exc, psycopg2.errors.UndefinedObject):
        return SlotLost(f"replication slot {slot!r} does not exist", details={"slot": slot})
    return ReplicationStreamBroken(f"replication stream on slot {slot!r} failed: {exc}".strip())


def _resolve(ready: asyncio.Future[None]) -> None:
    if not ready.done():
        ready.set_result(None)


class ReplicationStream:
    """One ``START_REPLICATION`` session on a logical slot with the pgoutput plugin."""

    def __init__(
        self, dsn: str, slot: str, publication: str, status_interval_s: float, application_name: str = ""
    ) -> None:
        self._dsn, self.slot, self._publication = dsn, slot, publication
        self._application_name = application_name  # how the pre-flight tells this connector's walsender
        self._status_interval_s = status_interval_s
        self._conn: Any = None
        self._cursor: Any = None
        self._last_status = 0.0

    async def open(self) -> None:
        """Start streaming from the slot's confirmed position (the server keeps it)."""
        try:
            self._conn = await asyncio.to_thread(
                psycopg2.connect,
                self._dsn,
                connection_factory=psycopg2.extras.LogicalReplicationConnection,
                application_name=self._application_name,
            )
            self._cursor = self._conn.cursor()
            self._cursor.start_replication(
                slot_name=self.slot,
                decode=False,
                status_interval=max(1, round(self._status_interval_s)),
                options={
                    "proto_version": PROTOCOL_VERSION,
                    "publication_names": self._publication,
                    "messages": "true",
                },
            )
        except psycopg2.Error as exc:
            await self.close()
            raise translate(exc, self.slot) from exc
        self._last_status = time.monotonic()

    def poll(self, limit: int) -> list[Frame]:
        """Whatever frames already arrived, at most ``limit``; never waits."""
        frames: list[Frame] = []
        try:
            while len(frames) < limit:
                message = self._cursor.read_message()
                if message is None:
                    break
                frames.append(Frame(message.data_start, message.wal_end, bytes(message.payload)))
        except psycopg2.Error as exc:
            raise translate(exc, self.slot) from exc
        return frames

    async def wait_readable(self, timeout_s: float) -> None:
        """Sleep until the server sends something (a frame or a keepalive) or the timeout."""
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        fd = self._conn.fileno()
        loop.add_reader(fd, _resolve, ready)
        try:
            await asyncio.wait_for(ready, timeout=max(0.0, timeout_s))
        except TimeoutError:
            pass
        finally:
            loop.remove_reader(fd)

    def confirm(self, lsn: int) -> None:
        """Tell the server everything before ``lsn`` is safe: the slot may release it."""
        self._send(write_lsn=lsn, flush_lsn=lsn, apply_lsn=lsn)

    def heartbeat(self) -> None:
        """Send standby status when it is due (keeps the walsender alive, moves an idle slot)."""
        if time.monotonic() - self._last_status >= self._status_interval_s:
            self._send()

    @property
    def server_wal_end(self) -> int:
        return int(self._cursor.wal_end) if self._cursor is not None else 0

    def _send(self, **lsns: int) -> None:
        try:
            self._cursor.send_feedback(force=True, **lsns)
        except psycopg2.Error as exc:
            raise translate(exc, self.slot) from exc
        self._last_status = time.monotonic()

    async def close(self) -> None:
        conn, self._conn, self._cursor = self._conn, None, None
        if conn is not None and not conn.closed:
            conn.close()
