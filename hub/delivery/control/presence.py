"""A ``hub run`` process telling the store it is alive and which partitions its sinks hold.

The supervisor starts ``run`` beside its own loop with a way to read what its lanes hold; every
``check_s`` that is compared with the last report and a row is written when it changed, and at
least every ``heartbeat_s`` otherwise, so ``hub status`` sees a rebalance within a second or so
and a dead process as stale within ``STATUS_STALE_S``. It runs apart from the supervisor's
rounds so a slow store write never delays them. Reporting is best effort: a store that does not
answer is logged and retried at the next check; it never stops delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from bus.records import TopicPartition
from hub.store import delivery_workers
from hub.store.base import Store, utcnow
from hub.store.delivery_workers import DeliveryWorker, Holding

log = logging.getLogger(__name__)
HEARTBEAT_S = 5.0
CHECK_S = 1.0


def holding(subscription: str, lane: str, assignment: Iterable[TopicPartition]) -> Holding:
    return Holding(subscription, lane, tuple(f"{tp.topic}:{tp.partition}" for tp in sorted(assignment)))


@dataclass
class Presence:
    store: Store
    worker_id: str
    heartbeat_s: float = HEARTBEAT_S
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    started_at: datetime = field(default_factory=utcnow)
    _reported: tuple[Holding, ...] | None = None
    _reported_at: datetime | None = None

    async def run(
        self, holdings: Callable[[], Iterable[Holding]], stop: asyncio.Event, check_s: float = CHECK_S
    ) -> None:
        """Report ``holdings()`` until ``stop`` is set (or the task is cancelled), then leave."""
        try:
            while not stop.is_set():
                await self.report(holdings())
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(check_s):
                        await stop.wait()
        finally:
            await self.leave()

    async def report(self, holds: Iterable[Holding]) -> None:
        """Write the heartbeat if ``holds`` changed or ``heartbeat_s`` passed since the last one."""
        now = utcnow()
        current = tuple(sorted(holds, key=lambda h: (h.subscription, h.lane)))
        due = self._reported_at is None or (now - self._reported_at).total_seconds() >= self.heartbeat_s
        if current == self._reported and not due:
            return
        worker = DeliveryWorker(self.worker_id, self.host, self.pid, self.started_at, now, current)
        if await self._write(lambda session: delivery_workers.beat(session, worker)):
            self._reported, self._reported_at = current, now

    async def leave(self) -> None:
        await self._write(lambda session: delivery_workers.leave(session, self.worker_id))

    async def _write(self, work: delivery_workers.Write) -> bool:
        def in_session() -> None:
            with self.store.session() as session:
                work(session)

        try:
            await asyncio.to_thread(in_session)
        except SQLAlchemyError as exc:
            log.warning("cannot report this worker's presence (next round retries): %s", type(exc).__name__)
            return False
        return True


__all__ = ["CHECK_S", "HEARTBEAT_S", "Presence", "holding"]
