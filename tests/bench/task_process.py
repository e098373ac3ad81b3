"""One task of a key-sharded ``postgres_cdc`` connector in a process of its own, for the benchmarks.

``python -m tests.bench.task_process CONFIG_JSON INDEX BOOTSTRAP`` runs task ``INDEX`` of the config's
``tasks`` as ``hub connect`` would (its own slot and row-filtered publication, the parcel
contract checked through ``Contracts``), with positions kept in this process's memory so a
stop and a start resume where it stopped. Commands, one a line on stdin: ``start``, ``stop``,
``quit``; each is answered on stdout once done (``running``, ``stopped``, ``quit``), after a
first ``ready`` once the process is up. ``running_elsewhere`` runs one such process, started, for
the length of a block.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import BaseModel

from connectors import registry
from connectors.config import stored_document
from connectors.positions import MemoryPositions
from connectors.shards import TaskShard
from connectors.status import TaskState
from connectors.task import ConnectorTask
from tests.bench import parcels


async def serve(document: dict[str, object], index: int, bootstrap: str) -> None:
    config = registry.parse_config(document)
    shard = TaskShard(index, config.task_count()) if config.task_count() > 1 else None
    positions = MemoryPositions()
    task: ConnectorTask | None = None
    loop = asyncio.get_running_loop()
    print("ready", flush=True)  # imported and parsed: what a start costs is the task's own
    while line := (await loop.run_in_executor(None, sys.stdin.readline)).strip():
        if line == "start":
            task = ConnectorTask(
                config, bootstrap=bootstrap, positions=positions,
                contracts=parcels.parcel_contract, shard=shard,
            )  # fmt: skip
            task.start()
            while task.status.state != TaskState.RUNNING:  # noqa: ASYNC110  # plain state
                await asyncio.sleep(0.005)
            answer = "running"
        elif line == "stop" and task is not None:
            await task.stop()
            assert task.status.events_quarantined == 0, "a valid parcel was quarantined"
            task, answer = None, "stopped"
        else:
            break
        print(answer, flush=True)
    if task is not None:
        await task.stop()
    print("quit", flush=True)


@asynccontextmanager
async def running_elsewhere(config: BaseModel, bootstrap: str, wait_s: float = 60.0) -> AsyncIterator[None]:
    """Task 0 of ``config`` running in a process of its own (as ``hub connect`` would run it)
    until the block ends."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.bench.task_process", json.dumps(stored_document(config)), "0", bootstrap,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdin is not None and process.stdout is not None

    async def said(expected: str) -> None:
        assert process.stdout is not None
        async with asyncio.timeout(wait_s):
            line = (await process.stdout.readline()).decode().strip()
        assert line == expected, f"the task process said {line!r}, not {expected!r}"

    try:
        await said("ready")
        process.stdin.write(b"start\n")
        await said("running")
        yield
    finally:
        if process.returncode is None:
            process.stdin.write(b"quit\n")
        await process.wait()


if __name__ == "__main__":
    found = json.loads(sys.argv[1])
    asyncio.run(serve(found, int(sys.argv[2]), sys.argv[3]))
