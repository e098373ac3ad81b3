"""``until_signalled`` / ``run_process``: SIGINT and SIGTERM set the stop event the part watches,
then let go; a part that does not stop within the grace period is cancelled, a process whose loop
is stuck is ended by its watchdog."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from hub.processes.signals import EXIT_STUCK, until_signalled


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


async def test_a_part_still_stopping_after_the_grace_period_is_cancelled() -> None:
    seen: list[str] = []

    async def part(stop: asyncio.Event) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        await stop.wait()
        try:
            await asyncio.sleep(60)  # a flush to a broker that is away
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    async with asyncio.timeout(2):
        await until_signalled(part, grace_s=0.2)
    assert seen == ["cancelled"]


async def test_a_part_whose_clean_up_waits_again_is_cancelled_again() -> None:
    cancels: list[int] = []

    async def part(stop: asyncio.Event) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        await stop.wait()
        for _ in range(3):  # each ``finally`` that awaits a server that is away
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                cancels.append(1)
        await asyncio.sleep(60)

    async with asyncio.timeout(3):
        await until_signalled(part, grace_s=0.1)
    assert len(cancels) == 3


async def test_without_a_signal_a_failure_of_the_part_is_not_hidden_by_cancelling() -> None:
    async def part(stop: asyncio.Event) -> None:
        await asyncio.sleep(0)
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await until_signalled(part)


def test_run_process_ends_a_process_whose_loop_is_stuck_within_the_hard_stop() -> None:
    """The watchdog's last resort: the event loop itself blocked (a synchronous call)."""
    code = textwrap.dedent(
        """
        import asyncio, os, signal, time
        from hub.processes.signals import run_process

        async def part(stop):
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.sleep(0.1)
            time.sleep(60)  # blocks the loop: no cancel can reach it

        run_process(part, grace_s=0.2, hard_stop_s=1.0)
        """
    )
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30, check=False)
    assert time.monotonic() - started < 10
    assert proc.returncode == EXIT_STUCK, proc.stderr.decode()


def test_run_process_returns_normally_after_a_clean_stop() -> None:
    code = textwrap.dedent(
        """
        import asyncio, os, signal
        from hub.processes.signals import run_process

        async def part(stop):
            os.kill(os.getpid(), signal.SIGTERM)
            await stop.wait()

        run_process(part, grace_s=0.2, hard_stop_s=1.0)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30, check=False)
    assert proc.returncode == 0, proc.stderr.decode()
