"""Group commit: store writes that are waited for at the same moment share one transaction.

A batch's ledger record must be committed before the batch is sent (ADR 013), so every request
waits for a commit. With ``max_in_flight`` requests cut at once, one commit (and one hop to a
worker thread) each made that wait the bottleneck of batched delivery: the store serialises
commits (SQLite has one writer; each commit is a sync to disk). Here the items waiting while a
write is under way are written together by the next one, so N waiting requests pay one commit,
and each caller still returns only once its own item is committed.

``write`` (run in a worker thread) gets the items in arrival order and returns, per item, None
(committed) or the error that item alone must raise; an exception it raises fails every item
of the group. A caller cancelled while waiting does not stop its item from being written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
WriteAll = Callable[[Sequence[T]], Sequence[BaseException | None]]


class GroupCommit(Generic[T]):
    def __init__(self, write: WriteAll[T]) -> None:
        self._write = write
        self._waiting: list[tuple[T, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    async def write(self, item: T) -> None:
        """Return once ``item`` is committed; raise the error that kept it from being."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, done))
        if self._writer is None:
            self._idle.clear()
            self._writer = asyncio.create_task(self._drain(), name="group-commit")
        await done

    async def idle(self) -> None:
        """Wait until no write is under way or waiting."""
        await self._idle.wait()

    async def _drain(self) -> None:
        try:
            while self._waiting:
                group, self._waiting = self._waiting, []
                await self._commit(group)
        finally:  # cancelled (the loop is closing): no waiter is left hanging
            for _, done in self._waiting:
                done.cancel()
            self._waiting = []
            self._writer = None
            self._idle.set()

    async def _commit(self, group: list[tuple[T, asyncio.Future[None]]]) -> None:
        try:
            errors = await asyncio.to_thread(self._write, [item for item, _ in group])
        except asyncio.CancelledError:
            for _, done in group:
                done.cancel()
            raise
        except Exception as exc:  # handed to every waiter, which raises it
            errors = [exc] * len(group)
        for (_, done), error in zip(group, errors, strict=True):
            if done.done():
                continue  # its caller was cancelled; the item was written all the same
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)


__all__ = ["GroupCommit", "WriteAll"]
