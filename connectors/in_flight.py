"""Batches queued to Kafka whose positions are not saved yet: ``InFlight``.

The task queues batch after batch without waiting for the broker (``add``); a saver in the
background awaits each batch's acknowledgements in the order the batches were queued, and saves
positions behind them. So:

- a position is saved only after Kafka acknowledged every record of its batch and of every
  batch queued before it: the store is never ahead of Kafka (a crash replays, never skips);
- saves are coalesced: while one is due less than ``save_interval_s`` after the previous one,
  the acknowledged batches wait and the next save covers them all (one round trip to the store
  for many batches at a high rate; at a low rate every batch is saved as soon as it is acknowledged);
- a batch without a position (a transaction cut by the batch size) is saved with the next batch
  that has one: its record states never go ahead of the saved position;
- the record states of the batches a save covers are merged in order, the later state of a record
  winning, and saved in the same transaction as the position (ADR 009);
- at most ``max_batches`` batches wait for Kafka at once, and the saver acknowledges none while it
  saves: ``add`` waits for room, so a slow broker or store slows the reading down instead of
  letting batches pile up in memory.

A failure of the saver (Kafka refused a record, the store failed, ``LeaseLost``) is raised by the
next ``add`` or ``drain``; what was not saved is read again by the next run, with the same ids.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from connectors.publisher import Outcome
from connectors.record_memory import RecordState
from connectors.source import Batch

T = TypeVar("T")
MAX_BATCHES = 8
SAVE_INTERVAL_S = 0.05


class Acknowledgement(Protocol):
    async def acknowledged(self) -> Outcome: ...


@dataclass(frozen=True)
class Unsaved:
    """A batch as queued: its acknowledgement (``None`` when it had no changes) and record states."""

    batch: Batch
    queued: Acknowledgement | None
    states: Sequence[RecordState] = ()


@dataclass(frozen=True)
class Saved:
    """What one save covered, oldest batch first, with what Kafka said of each."""

    position: str
    batches: list[tuple[Batch, Outcome | None]] = field(default_factory=list)


Save = Callable[[str, list[RecordState]], Awaitable[None]]  # position, merged record states
OnSaved = Callable[[Saved], None]


class InFlight:
    """Call order: ``start`` -> ``add``* -> ``drain`` (a clean end) -> ``close`` (always)."""

    def __init__(
        self,
        save: Save,
        on_saved: OnSaved,
        *,
        max_batches: int = MAX_BATCHES,
        save_interval_s: float = SAVE_INTERVAL_S,
    ) -> None:
        self._save, self._on_saved = save, on_saved
        self._interval_s = save_interval_s
        self._room = asyncio.Semaphore(max_batches)  # batches queued and not acknowledged yet
        self._queued: deque[Unsaved] = deque()
        self._acked: list[tuple[Unsaved, Outcome | None]] = []
        self._arrived = asyncio.Event()
        self._drained = asyncio.Event()
        self._draining = False
        self._last_save = 0.0
        self._saver: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._saver = asyncio.create_task(self._run(), name="position saver")

    async def add(self, unsaved: Unsaved) -> None:
        """Hand a queued batch to the saver, once fewer than ``max_batches`` wait for Kafka."""
        await self._until(asyncio.ensure_future(self._room.acquire()))
        self._queued.append(unsaved)
        self._drained.clear()
        self._arrived.set()

    async def drain(self) -> None:
        """Wait until every batch added was acknowledged and saved (a trailing batch without a
        position stays unsaved: the next run reads it again)."""
        self._draining = True
        self._arrived.set()
        await self._until(asyncio.ensure_future(self._drained.wait()))

    async def during(self, work: Awaitable[T]) -> T:
        """``work``'s result; cancelled when the saver fails first, whose error is raised instead
        (an idle source's read would otherwise hide a refused batch until its next change)."""
        task = asyncio.ensure_future(work)
        try:
            await self._until(task)
        except BaseException:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            raise
        return task.result()

    async def close(self) -> None:
        """Stop the saver; what it did not save stays unsaved (read again by the next run)."""
        if self._saver is not None:
            self._saver.cancel()
            with contextlib.suppress(BaseException):
                await self._saver

    async def _until(self, waiter: asyncio.Future[Any]) -> None:
        """Await ``waiter``, unless the saver failed first: then its error is raised here."""
        assert self._saver is not None, "start() first"
        try:
            await asyncio.wait({waiter, self._saver}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not waiter.done():
                waiter.cancel()
        if self._saver.done():
            self._saver.result()  # its error: a saver never ends on its own
            raise RuntimeError("the position saver ended")

    # -- the saver -----------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            if self._queued:
                await self._acknowledge_head()
                if self._due() <= 0:
                    await self._save_acked()
            elif self._saveable():
                await self._wait_arrival(0.0 if self._draining else self._due())
                if self._draining or self._due() <= 0:
                    await self._save_acked()
            else:
                self._drained.set()
                await self._wait_arrival(None)

    async def _acknowledge_head(self) -> None:
        head = self._queued[0]
        outcome = await head.queued.acknowledged() if head.queued is not None else None
        self._queued.popleft()
        self._room.release()
        self._acked.append((head, outcome))

    async def _wait_arrival(self, timeout_s: float | None) -> None:
        self._arrived.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._arrived.wait(), None if timeout_s is None else max(0.0, timeout_s))

    def _due(self) -> float:
        """Seconds until the next save may start (<= 0: now)."""
        return self._last_save + self._interval_s - time.monotonic()

    def _saveable(self) -> bool:
        return any(unsaved.batch.position is not None for unsaved, _ in self._acked)

    async def _save_acked(self) -> None:
        """Save the newest acknowledged position; the batches after it (no position) wait."""
        last = max((i for i, (u, _) in enumerate(self._acked) if u.batch.position is not None), default=-1)
        if last < 0:
            return
        covered, self._acked = self._acked[: last + 1], self._acked[last + 1 :]
        merged: dict[object, RecordState] = {}
        for unsaved, _ in covered:
            merged.update((state.ident, state) for state in unsaved.states)
        position = covered[-1][0].batch.position
        assert position is not None
        self._last_save = time.monotonic()
        await self._save(position, list(merged.values()))
        self._on_saved(Saved(position, [(unsaved.batch, outcome) for unsaved, outcome in covered]))


__all__ = ["MAX_BATCHES", "SAVE_INTERVAL_S", "InFlight", "Saved", "Unsaved"]
