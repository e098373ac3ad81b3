"""The consumer's stop: bounded, and never a cancellation it did not receive."""

from __future__ import annotations

import asyncio

import pytest

from bus.consumer import KafkaConsumer


async def _cancelled_inside() -> None:
    """What aiokafka's fetcher close did with a broker node away: its own task's cancellation out."""
    raise asyncio.CancelledError


async def test_a_cancellation_raised_inside_the_clients_close_does_not_cancel_the_caller(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    consumer = KafkaConsumer("127.0.0.1:9", "g")  # never started: nothing is dialled
    monkeypatch.setattr(consumer._consumer, "stop", _cancelled_inside)
    await consumer.stop()  # before: CancelledError, which ended `hub run` with exit code 1
    assert asyncio.current_task() is not None and asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_a_caller_being_cancelled_is_still_cancelled() -> None:
    consumer = KafkaConsumer("127.0.0.1:9", "g")
    started = asyncio.Event()

    async def slow_stop() -> None:
        started.set()
        await asyncio.sleep(10)

    consumer._consumer.stop = slow_stop
    task = asyncio.create_task(consumer.stop())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_cancellation_out_of_the_client_close_after_the_stop_timed_out_does_not_cancel_the_caller(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    consumer = KafkaConsumer("127.0.0.1:9", "g")

    async def slow_stop() -> None:
        await asyncio.sleep(10)

    monkeypatch.setattr(consumer._consumer, "stop", slow_stop)
    monkeypatch.setattr(consumer._consumer._client, "close", _cancelled_inside)
    await consumer.stop()  # before: CancelledError, which crashed a sink's start and then `hub run`
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]
