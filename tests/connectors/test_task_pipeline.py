"""The task's pipeline (no servers: the in-memory broker, a scripted source, a slow store).

Each batch is queued to Kafka as soon as it is read, without waiting for the previous batch's
position save; positions are saved in order, each after its records were acknowledged, and the
source hears of one (``commit``) only after the store has it, never while it reads.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bus.memory import MemoryBroker, MemoryProducer
from connectors.config import ConnectorConfigBase, TableFeed
from connectors.context import SourceContext
from connectors.positions import MemoryPositions
from connectors.source import Batch, Change
from connectors.task import ConnectorTask
from schemas.events import ChangePayload, Op
from tests.connectors.memory_source import MemoryConfig

TABLE = "public.items"
EVENT_TYPE = "vn.gov.tpipeline.item.v1"
TOPIC = "gov.tpipeline.item.v1"
BATCHES = 4
PER_BATCH = 3


class ScriptedSource:
    """Hands out ``BATCHES`` batches, then empty reads; records what the task asked, in order."""

    def __init__(self, journal: list[str]) -> None:
        self.journal = journal
        self.reads = 0
        self.reading = False

    async def start(self) -> None:
        return None

    async def read(self) -> Batch:
        self.reading = True
        self.journal.append(f"read {self.reads}")
        await asyncio.sleep(0.01)  # the source's I/O: the task may do other things meanwhile
        self.reading = False
        number, self.reads = self.reads, self.reads + 1
        if number >= BATCHES:
            return Batch()
        return Batch([_change(number * PER_BATCH + n) for n in range(PER_BATCH)], f"p{number}")

    async def commit(self, position: str) -> None:
        assert not self.reading, "commit while a read is in flight"
        self.journal.append(f"commit {position}")

    async def stop(self) -> None:
        return None


class JournaledPositions(MemoryPositions):
    def __init__(self, journal: list[str], broker: MemoryBroker) -> None:
        super().__init__()
        self.journal, self.broker = journal, broker

    async def save(self, connector: str, position: str) -> None:
        published = sum(len(partition) for partition in self.broker.topics.get(TOPIC, []))
        self.journal.append(f"save {position} after {published} records")
        await asyncio.sleep(0.05)  # a round trip to the store, slower than a read
        await super().save(connector, position)
        self.journal.append(f"saved {position}")


def _change(number: int) -> Change:
    row = {"id": number, "name": f"item {number}"}
    return Change(TABLE, Op.CREATE, {"id": number}, None, row, position=f"0/{number + 1:X}")


def _accept(event_type: str, payload: ChangePayload) -> str | None:
    return None


async def test_batches_are_queued_without_waiting_for_position_saves() -> None:
    journal: list[str] = []
    broker = MemoryBroker()
    source = ScriptedSource(journal)
    config = MemoryConfig(
        name="pipeline", kind="memory", database="none", poll_interval_ms=10,
        feeds=[TableFeed(table=TABLE, event_type=EVENT_TYPE, key=["id"])],
    )  # fmt: skip

    def build_source(_config: ConnectorConfigBase, _context: SourceContext) -> Any:
        return source

    task = ConnectorTask(
        config, bootstrap="unused", positions=JournaledPositions(journal, broker), contracts=_accept,
        build_source=build_source, producer_factory=lambda _b, _c: MemoryProducer(broker),
    )  # fmt: skip
    task.start()
    while task.status.events_published < BATCHES * PER_BATCH:  # noqa: ASYNC110
        await asyncio.sleep(0.005)
    await task.stop()

    saves = [line for line in journal if line.startswith("save ")]
    assert saves[0] == f"save p0 after {PER_BATCH} records"
    assert any(int(line.rsplit(" ", 2)[1]) == BATCHES * PER_BATCH for line in saves)  # all queued...
    assert journal.index("saved p0") > journal.index(f"read {BATCHES - 1}")  # ...before p0 was saved
    positions = [line.split()[1] for line in saves]
    assert positions == sorted(positions) and positions[-1] == f"p{BATCHES - 1}"  # in order, coalesced
    commits = [index for index, line in enumerate(journal) if line.startswith("commit ")]
    assert journal[commits[-1]] == f"commit p{BATCHES - 1}"
    for index in commits:  # each told to the source only once the store has it
        assert journal.index(f"saved {journal[index].split()[1]}") < index
    records = [r for partition in broker.topics[TOPIC] for r in partition]
    assert sorted(int(r.key or b"0") for r in records) == list(range(BATCHES * PER_BATCH))
    assert task.status.position == f"p{BATCHES - 1}"
