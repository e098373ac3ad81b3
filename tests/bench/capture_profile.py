"""One connector task capturing N parcel changes to Kafka, for a profiler to watch.

``python -m tests.bench.capture_profile snapshot|backlog N`` loads N parcel rows (snapshot) or
commits N changes while the task is stopped (backlog, 1,000 per transaction), then runs one
``postgres_cdc`` task (contract check, admin-unit normalisation, positions in memory) until
Kafka acknowledged all N, and prints its rows/s and CPU per row. Under py-spy::

    py-spy record -r 200 -f raw -o snapshot.txt -- python -m tests.bench.capture_profile snapshot 40000

The setup (database, rows, imports) runs in the same process: leave its stacks out when
reading the profile (``tests.bench.profile_split`` does).
"""

from __future__ import annotations

import asyncio
import resource
import sys
import time
import uuid

from connectors.positions import MemoryPositions
from connectors.postgres import PostgresCdcConfig
from connectors.task import ConnectorTask
from hub.settings import Settings
from tests.bench import parcel_changes, parcels

WAIT_S = 600.0


def _cpu_s() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


async def _published(task: ConnectorTask, count: int) -> None:
    async with asyncio.timeout(WAIT_S):
        while task.status.events_published + task.status.events_quarantined < count:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    assert task.status.events_quarantined == 0, "a valid parcel was quarantined"


def _task(config: PostgresCdcConfig, bootstrap: str, positions: MemoryPositions) -> ConnectorTask:
    return ConnectorTask(config, bootstrap=bootstrap, positions=positions, contracts=parcels.parcel_contract)


async def main(mode: str, count: int) -> None:
    settings = Settings()
    bootstrap = settings.kafka_address()
    assert settings.postgres_dsn, "set HUB_POSTGRES_DSN"
    unique = f"prof{uuid.uuid4().hex[:8]}"
    positions = MemoryPositions()
    with parcels.fresh_database(settings.postgres_dsn) as dsn:
        if mode == "snapshot":
            await asyncio.to_thread(parcels.write, dsn, range(1, count + 1))
            config = parcels.cdc_config(dsn, unique)
        else:  # the slot made at the WAL's end by a first run, then the backlog behind it
            config = parcels.cdc_config(dsn, unique, snapshot_mode="never")
            first = _task(config, bootstrap, positions)
            first.start()
            await asyncio.sleep(3.0)
            await first.stop()
            changes = parcel_changes.workload(count)
            await asyncio.to_thread(parcel_changes.commit, dsn, changes, per_transaction=1000)
        task = _task(config, bootstrap, positions)
        cpu, started = _cpu_s(), time.perf_counter()
        task.start()
        try:
            await _published(task, count)
        finally:
            elapsed, cpu = time.perf_counter() - started, _cpu_s() - cpu
            await task.stop()
    print(f"{mode} {count:,}: {count / elapsed:,.0f} rows/s, {cpu * 1e6 / count:.1f} µs CPU per row")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
