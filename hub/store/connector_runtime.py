"""The workers' side of the connector tables: leases, fenced positions, heartbeats, statuses.

``SqlControlPlane`` implements ``connectors.worker.ControlPlane`` (and so
``connectors.positions.PositionStore``) for one worker id. Each decision that two workers could
race on is one conditional UPDATE whose row count says who won: a claim succeeds only where no
live lease exists; a renewal and a position save only where this worker is still the owner. The
worker's clock stamps and compares expiries, so workers' clocks must agree to well within a
lease (NTP does; the default lease is 15 s).

Calls run in a thread (SQLAlchemy is synchronous here) and database failures leave as
``StoreUnavailable``, translated in ``_call`` only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from connectors.positions import LeaseLost
from connectors.record_memory import RecordState, SourceKey
from connectors.worker import Assignment
from hub.store import record_memory
from hub.store.base import Store, utcnow
from hub.store.connectors import ConnectorRow, ConnectorRuntimeRow, ConnectorWorkerRow, read_document
from schemas.errors import HubError

T = TypeVar("T")
LEASE_TTL_S = 15.0


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
        return await self._call(lambda s: int(s.scalar(select(func.count()).select_from(ConnectorRow)) or 0))

    async def leave(self) -> None:
        await self._call(self._leave)

    def _leave(self, session: Session) -> None:
        session.execute(
            update(ConnectorRuntimeRow)
            .where(ConnectorRuntimeRow.lease_owner == self.worker_id)
            .values(lease_owner=None, lease_expires_at=None)
        )
        session.execute(delete(ConnectorWorkerRow).where(ConnectorWorkerRow.worker_id == self.worker_id))

    # -- leases --------------------------------------------------------------------------------

    async def claim(self, limit: int) -> list[str]:
        return await self._call(lambda session: self._claim(session, limit))

    def _claim(self, session: Session, limit: int) -> list[str]:
        now = utcnow()
        free = or_(ConnectorRuntimeRow.lease_owner.is_(None), ConnectorRuntimeRow.lease_expires_at < now)
        candidates = session.scalars(
            select(ConnectorRuntimeRow.name).where(free).order_by(ConnectorRuntimeRow.name)
        ).all()
        won: list[str] = []
        for name in candidates:
            if len(won) >= limit:
                break
            taken = session.execute(
                update(ConnectorRuntimeRow)
                .where(ConnectorRuntimeRow.name == name, free)
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
        mine = and_(ConnectorRuntimeRow.name.in_(names), ConnectorRuntimeRow.lease_owner == self.worker_id)
        session.execute(
            update(ConnectorRuntimeRow).where(mine).values(lease_expires_at=utcnow() + self.lease_ttl)
        )
        return set(session.scalars(select(ConnectorRuntimeRow.name).where(mine)))

    async def release(self, names: Collection[str]) -> None:
        await self._call(lambda session: self._release(session, names))

    def _release(self, session: Session, names: Collection[str]) -> None:
        session.execute(
            update(ConnectorRuntimeRow)
            .where(ConnectorRuntimeRow.name.in_(names), ConnectorRuntimeRow.lease_owner == self.worker_id)
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
        return {row.name: _assignment(row, status) for row, status in rows}

    async def snapshot_taken(self, name: str, snapshot_seq: int) -> None:
        await self._call(
            lambda session: session.execute(
                update(ConnectorRow)
                .where(ConnectorRow.name == name, ConnectorRow.snapshot_seq == snapshot_seq)
                .values(snapshot_tables=[])
            )
        )

    async def report(self, statuses: Mapping[str, dict[str, Any]]) -> None:
        if statuses:
            await self._call(lambda session: self._report(session, statuses))

    def _report(self, session: Session, statuses: Mapping[str, dict[str, Any]]) -> None:
        now = utcnow()
        for name, status in statuses.items():
            session.execute(
                update(ConnectorRuntimeRow)
                .where(ConnectorRuntimeRow.name == name, ConnectorRuntimeRow.lease_owner == self.worker_id)
                .values(status=status, status_at=now)
            )

    # -- positions (fenced by the lease) -------------------------------------------------------

    async def load(self, connector: str) -> str | None:
        return await self._call(
            lambda s: s.scalar(
                select(ConnectorRuntimeRow.position).where(ConnectorRuntimeRow.name == connector)
            )
        )

    async def save(self, connector: str, position: str) -> None:
        saved = await self._call(lambda session: self._save(session, connector, position))
        if not saved:
            raise LeaseLost(f"worker {self.worker_id} no longer holds connector {connector!r}")

    # -- record memory (saved with the position, in the same transaction) ----------------------

    async def recall(self, connector: str, keys: Collection[SourceKey]) -> dict[SourceKey, RecordState]:
        return await self._call(lambda session: record_memory.recall(session, connector, keys))

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
        record_memory.save(session, connector, states)
        return True

    def _save(self, session: Session, connector: str, position: str) -> bool:
        result = session.execute(
            update(ConnectorRuntimeRow)
            .where(ConnectorRuntimeRow.name == connector, ConnectorRuntimeRow.lease_owner == self.worker_id)
            .values(position=position, position_at=utcnow())
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]  # CursorResult of an UPDATE


def _assignment(row: ConnectorRow, status: dict[str, Any] | None) -> Assignment:
    return Assignment(
        name=row.name,
        document=read_document(row),
        paused=row.paused,
        generation=row.generation,
        restart_seq=row.restart_seq,
        snapshot_seq=row.snapshot_seq,
        snapshot_tables=tuple(row.snapshot_tables or ()),
        status=status,
        skip_seq=row.skip_seq,
        skip_after=row.skip_after,
    )


__all__ = ["LEASE_TTL_S", "SqlControlPlane", "StoreUnavailable"]
