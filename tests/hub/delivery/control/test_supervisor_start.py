"""``hub run`` started while the broker is away waits for it, and still stops when told."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

import pytest

from hub.delivery.control.supervisor import Supervisor, SupervisorOptions
from hub.settings import Settings
from hub.store.base import Store
from schemas.admin_units import default_normaliser


async def test_a_supervisor_waits_for_an_absent_broker_and_stops_when_told(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as reserved:  # bound, never listening: every connection is refused
        reserved.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{reserved.getsockname()[1]}"
        settings = Settings(kafka_bootstrap=address, state_dir=tmp_path)
        store = Store(f"sqlite:///{tmp_path / 'hub.sqlite'}")
        supervisor = Supervisor(settings, store, default_normaliser(), SupervisorOptions(connect_retry_s=0.1))
        stop = asyncio.Event()
        caplog.set_level(logging.WARNING, logger="hub.delivery.control.supervisor")
        run = asyncio.create_task(supervisor.run(stop))
        await asyncio.sleep(1.0)
        assert not run.done(), "it gave up instead of waiting for the broker"
        stop.set()
        async with asyncio.timeout(3):
            await run
        store.engine.dispose()
    waits = [r for r in caplog.records if "waiting for Kafka" in r.getMessage()]
    assert len(waits) >= 2
    assert address in waits[0].getMessage()
