"""Group commit: items waited for at the same moment are written together, and each caller
gets its own item's outcome."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from hub.delivery.pipeline.group_commit import GroupCommit


class Refused(Exception):
    pass


class Writes:
    """A store that records each group it is given; the first write waits to be released."""

    def __init__(self) -> None:
        self.groups: list[list[str]] = []
        self.release = threading.Event()

    def __call__(self, items: Sequence[str]) -> list[BaseException | None]:
        if not self.groups:
            self.release.wait(5)
        self.groups.append(list(items))
        return [Refused(item) if item.startswith("bad") else None for item in items]


async def test_items_waiting_behind_a_write_share_the_next_one() -> None:
    writes = Writes()
    commit = GroupCommit(writes)
    first = asyncio.create_task(commit.write("a"))
    await asyncio.sleep(0.05)  # "a" is being written
    rest = [asyncio.create_task(commit.write(item)) for item in ("b", "c", "d")]
    await asyncio.sleep(0.05)
    writes.release.set()
    await asyncio.gather(first, *rest)
    assert writes.groups == [["a"], ["b", "c", "d"]]
    await commit.idle()


async def test_only_the_item_that_failed_raises() -> None:
    writes = Writes()
    writes.release.set()
    commit = GroupCommit(writes)
    results = await asyncio.gather(
        commit.write("ok"), commit.write("bad-1"), commit.write("ok-2"), return_exceptions=True
    )
    assert [type(r).__name__ for r in results] == ["NoneType", "Refused", "NoneType"]


async def test_a_failed_write_fails_every_item_of_its_group() -> None:
    def broken(items: Sequence[str]) -> list[BaseException | None]:
        raise OSError("disk gone")

    commit = GroupCommit(broken)
    results = await asyncio.gather(commit.write("a"), commit.write("b"), return_exceptions=True)
    assert all(isinstance(r, OSError) for r in results)


async def test_a_cancelled_caller_s_item_is_written_and_idle_waits_for_it() -> None:
    writes = Writes()
    commit = GroupCommit(writes)
    caller = asyncio.create_task(commit.write("a"))
    await asyncio.sleep(0.05)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    writes.release.set()
    await asyncio.wait_for(commit.idle(), 5)
    assert writes.groups == [["a"]]
