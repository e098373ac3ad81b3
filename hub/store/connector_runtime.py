"""The workers' side of the connector tables: leases, fenced positions, heartbeats, statuses.

``SqlControlPlane`` implements ``connectors.worker.ControlPlane`` (and so
``connectors.positions.PositionStore``) for one worker id. Each decision that two workers could
race on is one conditional UPDATE whose row count says who won: a claim succeeds only where no
live lease exists; a renewal and a position save only where this worker is still the owner. The
worker's clock stamps and compares expiries, so workers' clocks must agree to well within a
lease (NTP does; the default lease is 15 s).

A key-sharded connector (``tasks: N > 1``) is leased task by task: its ``connector_tasks`` rows
(``hub.store.connector_tasks``) are lease units like a connector's own row, which nobody leases
while they exist; a name with ``#`` is a task's. The record memory stays the connector's: each
key belongs to one task, so tasks never write the same record.

Calls run in a thread (SQLAlchemy is synchronous here) and database failures leave as
``StoreUnavailable``, translated in ``_call`` only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from connectors.positions import LeaseLost
from connectors.record_memory import RecordState, SourceKey
from connectors.shards import SEPARATOR, connector_of
from connectors.worker import Assignment
from hub.store import record_memory
from hub.store.base import Store, utcnow
from hub.store.connector_tasks import ConnectorTaskRow
from hub.store.connectors import ConnectorRow, ConnectorRuntimeRow, ConnectorWorkerRow, read_document
from schemas.errors import HubError

T = TypeVar("T")
LEASE_TTL_S = 15.0
LeaseTable = type[ConnectorRuntimeRow] | type[ConnectorTaskRow]
_UNSHARDED = ~exists().where(ConnectorTaskRow.connector == ConnectorRuntimeRow.name)


def _table(name: str) -> LeaseTable:
    """Where a lease unit lives: a task's name has ``#``, a connector's never does."""
    return ConnectorTaskRow if SEPARATOR in name else ConnectorRuntimeRow


def _by_table(names: Collection[str]) -> list[tuple[LeaseTable, list[str]]]:
    split: dict[LeaseTable, list[str]] = {ConnectorRuntimeRow: [], ConnectorTaskRow: []}
    for name in names:
        split[_table(name)].append(name)
    return [(table, found) for table, found in split.items() if found]


def _leasable(table: LeaseTable) -> ColumnElement[bool]:
    """A connector's own row is no lease unit while it has task rows."""
    return _UNSHARDED if table is ConnectorRuntimeRow else ConnectorTaskRow.name.is_not(None)


class StoreUnavailable(HubError):
    code = "store_unavailable"
    status = 503
    retriable = True


class SqlControlPlane:
    def __init__(self, store: Store, worker_id: str, lease_ttl_s: float = LEASE_TTL_S) -> None:
        self.store = store
        self.worker_id = worker_id
        self.lease_ttl = timedelta(seconds=lease_ttl_s)

    async def _call(self, work: Callable[[Session], T]) -> T:
        def in_session() -> T:
            with self.store.session() as session:
                return work(session)

        try:
            return await asyncio.to_thread(in_session)
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"control-plane store unavailable: {type(exc).__name__}") from exc

    # -- liveness and sharing ------------------------------------------------------------------

    async def heartbeat(self) -> int:
        return await self._call(self._heartbeat)

    def _heartbeat(self, session: Session) -> int:
        now = utcnow()
        row = session.get(ConnectorWorkerRow, self.worker_id)
        if row is None:
            session.add(ConnectorWorkerRow(worker_id=self.worker_id, heartbeat_at=now))
        else:
            row.heartbeat_at = now
        session.execute(
            delete(ConnectorWorkerRow).where(ConnectorWorkerRow.heartbeat_at < now - 4 * self.lease_ttl)
        )
        session.flush()
        alive = select(func.count()).where(ConnectorWorkerRow.heartbeat_at > now - self.lease_ttl)
        return int(session.scalar(alive) or 1)

    async def connector_count(self) -> int:
        """Lease units: connectors of one task, and each task of the sharded ones."""
        return await self._call(self._unit_count)

    def _unit_count(self, session: Session) -> int:
        units = 0
        for table in (ConnectorRuntimeRow, ConnectorTaskRow):
            units += int(session.scalar(select(func.count()).select_from(table).where(_leasable(table))) or 0)
        return units

    async def leave(self) -> None:
        await self._call(self._leave)

    def _leave(self, session: Session) -> None:
        for table in (ConnectorRuntimeRow, ConnectorTaskRow):
            session.execute(
                update(table)
                .where(table.lease_owner == self.worker_id)
                .values(lease_owner=None, lease_expires_at=None)
            )
        session.execute(delete(ConnectorWorkerRow).where(ConnectorWorkerRow.worker_id == self.worker_id))

    # -- leases --------------------------------------------------------------------------------

    async def claim(self, limit: int) -> list[str]:
        return await self._call(lambda session: self._claim(session, limit))

    def _claim(self, session: Session, limit: int) -> list[str]:
        now = utcnow()

        def free(table: LeaseTable) -> ColumnElement[bool]:
            return and_(or_(table.lease_owner.is_(None), table.lease_expires_at < now), _leasable(table))

        candidates = sorted(
            name for table in (ConnectorRuntimeRow, ConnectorTaskRow)
            for name in session.scalars(select(table.name).where(free(table)))
        )  # fmt: skip
        won: list[str] = []
        for name in candidates:
            if len(won) >= limit:
                break
            table = _table(name)
            taken = session.execute(
                update(table)
                .where(table.name == name, free(table))
                .values(lease_owner=self.worker_id, lease_expires_at=now + self.lease_ttl)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]  # CursorResult of an UPDATE
                won.append(name)
        return won

    async def renew(self, names: Collection[str]) -> set[str]:
        if not names:
            return set()
        return await self._call(lambda session: self._renew(session, names))

    def _renew(self, session: Session, names: Collection[str]) -> set[str]:
        held: set[str] = set()
        for table, found in _by_table(names):
            mine = and_(table.name.in_(found), table.lease_owner == self.worker_id, _leasable(table))
            session.execute(update(table).where(mine).values(lease_expires_at=utcnow() + self.lease_ttl))
            held |= set(session.scalars(select(table.name).where(mine)))
        return held

    async def release(self, names: Collection[str]) -> None:
        await self._call(lambda session: self._release(session, names))

    def _release(self, session: Session, names: Collection[str]) -> None:
        for table, found in _by_table(names):
            session.execute(
                update(table)
                .where(table.name.in_(found), table.lease_owner == self.worker_id)
                .values(lease_owner=None, lease_expires_at=None)
            )

    # -- what to run ---------------------------------------------------------------------------

    async def assignments(self, names: Collection[str]) -> dict[str, Assignment]:
        if not names:
            return {}
        return await self._call(lambda session: self._assignments(session, names))

    def _assignments(self, session: Session, names: Collection[str]) -> dict[str, Assignment]:
        rows = session.execute(
            select(ConnectorRow, ConnectorRuntimeRow.status)
            .join(ConnectorRuntimeRow, ConnectorRuntimeRow.name == ConnectorRow.name)
            .where(ConnectorRow.name.in_(names), ConnectorRuntimeRow.lease_owner == self.worker_id)
        ).all()
        found = {row.name: _assignment(row, status) for row, status in rows}
        tasks = session.execute(
            select(ConnectorRow, ConnectorTaskRow)
            .join(ConnectorTaskRow, ConnectorTaskRow.connector == ConnectorRow.name)
            .where(ConnectorTaskRow.name.in_(names), ConnectorTaskRow.lease_owner == self.worker_id)
        ).all()
        for row, task in tasks:
            found[task.name] = _assignment(row, task.status, task=task)
        return found

    async def snapshot_taken(self, name: str, snapshot_seq: int) -> None:
        await self._call(lambda session: self._snapshot_taken(session, name, snapshot_seq))

    def _snapshot_taken(self, session: Session, name: str, snapshot_seq: int) -> None:
        """A task took the request; the connector's pending tables clear once all of its tasks did."""
        connector = connector_of(name)
        if name != connector:
            session.execute(
                update(ConnectorTaskRow)
                .where(ConnectorTaskRow.name == name)
                .values(snapshot_seq=snapshot_seq)
            )
            behind = exists().where(
                ConnectorTaskRow.connector == connector, ConnectorTaskRow.snapshot_seq < snapshot_seq
            )
            if session.scalar(select(behind)):
                return
        session.execute(
            update(ConnectorRow)
            .where(ConnectorRow.name == connector, ConnectorRow.snapshot_seq == snapshot_seq)
            .values(snapshot_tables=[])
        )

    async def report(self, statuses: Mapping[str, dict[str, Any]]) -> None:
        if statuses:
            await self._call(lambda session: self._report(session, statuses))

    def _report(self, session: Session, statuses: Mapping[str, dict[str, Any]]) -> None:
        now = utcnow()
        for name, status in statuses.items():
            table = _table(name)
            session.execute(
                update(table)
                .where(table.name == name, table.lease_owner == self.worker_id)
                .values(status=status, status_at=now)
            )

    # -- positions (fenced by the lease) -------------------------------------------------------

    async def load(self, connector: str) -> str | None:
        table = _table(connector)
        return await self._call(lambda s: s.scalar(select(table.position).where(table.name == connector)))

    async def save(self, connector: str, position: str) -> None:
        saved = await self._call(lambda session: self._save(session, connector, position))
        if not saved:
            raise LeaseLost(f"worker {self.worker_id} no longer holds connector {connector!r}")

    # -- record memory (saved with the position, in the same transaction) ----------------------

    async def recall(self, connector: str, keys: Collection[SourceKey]) -> dict[SourceKey, RecordState]:
        owner = connector_of(connector)
        return await self._call(lambda session: record_memory.recall(session, owner, keys))

    async def save_with_position(self, connector: str, position: str, states: Sequence[RecordState]) -> None:
        saved = await self._call(lambda session: self._save_with_states(session, connector, position, states))
        if not saved:
            raise LeaseLost(f"worker {self.worker_id} no longer holds connector {connector!r}")

    def _save_with_states(
        self, session: Session, connector: str, position: str, states: Sequence[RecordState]
    ) -> bool:
        """The fenced position UPDATE first: without the lease nothing is written."""
        if not self._save(session, connector, position):
            return False
        record_memory.save(session, connector_of(connector), states)
        return True

    def _save(self, session: Session, connector: str, position: str) -> bool:
        table = _table(connector)
        result = session.execute(
            update(table)
            .where(table.name == connector, table.lease_owner == self.worker_id)
            .values(position=position, position_at=utcnow())
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]  # CursorResult of an UPDATE


def _assignment(
    row: ConnectorRow, status: dict[str, Any] | None, task: ConnectorTaskRow | None = None
) -> Assignment:
    """What a connector's worker (or, with ``task``, one task's) is asked to run; a task sees the
    pending tables until it took the request."""
    pending = task is None or task.snapshot_seq < row.snapshot_seq
    return Assignment(
        name=row.name if task is None else task.name,
        document=read_document(row),
        paused=row.paused,
        generation=row.generation,
        restart_seq=row.restart_seq,
        snapshot_seq=row.snapshot_seq,
        snapshot_tables=tuple(row.snapshot_tables or ()) if pending else (),
        status=status,
        skip_seq=row.skip_seq,
        skip_after=row.skip_after,
    )


__all__ = ["LEASE_TTL_S", "SqlControlPlane", "StoreUnavailable"]
