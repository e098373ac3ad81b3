"""Workers started, killed and stopped in one test process, sharing connectors through the store.

Several integration tests need the same lifecycle: start a worker under an id, let one die
without letting go of its leases (as a SIGKILLed process would), and stop the rest cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from connectors.worker import Worker
from hub.store.base import Store
from hub.store.connector_runtime import SqlControlPlane
from tests.connectors.test_task import NoBadNames

LEASE_S = 1.0
HEARTBEAT_S = 0.1


@dataclass
class Workers:
    store: Store
    bootstrap: str
    workers: dict[str, tuple[Worker, asyncio.Event, asyncio.Task[None]]] = field(
        default_factory=dict, kw_only=True
    )

    def start(self, worker_id: str) -> Worker:
        control = SqlControlPlane(self.store, worker_id, lease_ttl_s=LEASE_S)
        worker = Worker(control, self.bootstrap, NoBadNames(), worker_id, heartbeat_s=HEARTBEAT_S)
        stop = asyncio.Event()
        self.workers[worker_id] = (worker, stop, asyncio.create_task(worker.run(stop)))
        return worker

    async def kill(self, worker_id: str) -> None:
        """Die without letting go: its tasks end, its leases stay until they expire."""
        worker, _stop, runner = self.workers.pop(worker_id)
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
        for running in worker.running.values():
            await running.task.stop()

    async def stop_all(self) -> None:
        for _worker, stop, runner in self.workers.values():
            stop.set()
            await runner
