"""``until_signalled``: SIGINT and SIGTERM set the stop event the part watches, then let go."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from hub.processes.signals import until_signalled


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
async def test_a_stop_signal_sets_the_event_and_the_part_finishes_its_own_way(sig: signal.Signals) -> None:
    finished: list[str] = []

    async def part(stop: asyncio.Event) -> None:
        os.kill(os.getpid(), sig)
        async with asyncio.timeout(5):
            await stop.wait()
        finished.append("cleanly")

    await until_signalled(part)
    assert finished == ["cleanly"]


async def test_the_handlers_are_removed_when_the_part_returns() -> None:
    async def part(stop: asyncio.Event) -> None:
        assert not stop.is_set()

    await until_signalled(part)
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    assert signal.getsignal(signal.SIGINT) == signal.default_int_handler


async def test_the_handlers_are_removed_when_the_part_fails() -> None:
    async def part(stop: asyncio.Event) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await until_signalled(part)
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
