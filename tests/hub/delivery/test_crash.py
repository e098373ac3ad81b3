"""SIGKILL of ``hub run`` in the middle of a stream loses nothing: a restarted hub delivers the rest."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.hub.delivery.harness import Deployment
from tests.hub.delivery.waiting import eventually

pytestmark = pytest.mark.integration
EVENTS = 400


@contextmanager
def hub_process(d: Deployment) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "HUB_KAFKA_BOOTSTRAP": d.bootstrap,
        "HUB_DATABASE_URL": d.settings.store_url(),
        "HUB_ENDPOINT_ALLOWLIST": '["127.0.0.0/8"]',
        "HUB_AUTH_ENABLED": "false",  # no grants in this test (hub.services.admission)
    }
    command = [sys.executable, "-c", "from hub.cli.main import app; app()", "run", "--poll-s", "0.2"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def test_sigkill_mid_stream_loses_nothing(hub_deployment: Deployment) -> None:
    d = hub_deployment
    portal = await d.portal()
    d.subscribe("crash", portal, delivery={"max_in_flight": 4})
    await portal.control(mode="slow", delay_s=0.01)  # keep the stream going while we kill
    events = [d.event(f"K{n % 20}", n) for n in range(EVENTS)]
    await d.publish(*events)
    with hub_process(d) as first:
        await eventually(lambda: portal.has(EVENTS // 4), timeout_s=60)
        first.send_signal(signal.SIGKILL)
        await asyncio.to_thread(first.wait)
    got_before_restart = len(await portal.event_ids())
    assert got_before_restart < EVENTS, "killed too late to prove anything"
    with hub_process(d):
        await eventually(lambda: portal.has(EVENTS), timeout_s=90)
    received = await portal.event_ids()
    assert sorted(received) == sorted(e.id for e in events)  # each once after de-duplication
