"""Positions saved behind Kafka's acknowledgements, in order and coalesced (no servers)."""

from __future__ import annotations

import asyncio

import pytest

from connectors.in_flight import InFlight, Saved, Unsaved
from connectors.publisher import Outcome
from connectors.record_memory import RecordState
from connectors.source import Batch, Change
from schemas.errors import BusError
from schemas.events import Op

TABLE = "public.items"


class Acks:
    """A batch's acknowledgement the test resolves (or fails) when it chooses."""

    def __init__(self) -> None:
        self.done: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()

    async def acknowledged(self) -> Outcome:
        return await self.done

    def ack(self) -> None:
        self.done.set_result(Outcome(published=1, quarantined=0))


class Store:
    def __init__(self) -> None:
        self.saves: list[tuple[str, list[str]]] = []  # position, the states' record keys

    async def save(self, position: str, states: list[RecordState]) -> None:
        self.saves.append((position, [f"{s.source_key}={s.record_key}" for s in states]))


def _batch(number: int, *, position: bool = True) -> Batch:
    change = Change(TABLE, Op.CREATE, {"id": number}, None, {"id": number}, position=f"0/{number}")
    return Batch([change], f"p{number}" if position else None)


def _state(key: str, record_key: str) -> RecordState:
    return RecordState(
        table=TABLE, source_key=key, event_type="vn.gov.t.item.v1", record_key=record_key,
        key_fields={}, admin_unit=None, original=None, deleted=False, position="0/0",
    )  # fmt: skip


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def _flight(*, max_batches: int = 8, save_interval_s: float = 0.0) -> tuple[InFlight, Store, list[Saved]]:
    store, done = Store(), list[Saved]()
    flight = InFlight(store.save, done.append, max_batches=max_batches, save_interval_s=save_interval_s)
    flight.start()
    return flight, store, done


async def test_a_position_waits_for_its_batch_and_every_earlier_one() -> None:
    flight, store, done = _flight(save_interval_s=0.0)
    first, second = Acks(), Acks()
    await flight.add(Unsaved(_batch(0), first))
    await flight.add(Unsaved(_batch(1), second))
    second.ack()
    await _settle()
    assert store.saves == []  # batch 1 is acknowledged, batch 0 is not: nothing may be saved
    first.ack()
    await flight.drain()
    assert [position for position, _ in store.saves][-1] == "p1"
    assert [b.position for saved in done for b, _ in saved.batches] == ["p0", "p1"]
    await flight.close()


async def test_saves_are_coalesced_and_the_later_state_of_a_record_wins() -> None:
    flight, store, done = _flight(save_interval_s=60.0)
    acks = [Acks() for _ in range(3)]
    states = [[_state("1", "a")], [_state("1", "b"), _state("2", "c")], [_state("3", "d")]]
    await flight.add(Unsaved(_batch(0), acks[0], states[0]))
    acks[0].ack()
    await _settle()
    assert store.saves == [("p0", ["1=a"])]  # the first save is not delayed
    for number in (1, 2):
        await flight.add(Unsaved(_batch(number), acks[number], states[number]))
        acks[number].ack()
    await _settle()
    assert len(store.saves) == 1  # the next save is due only after the interval...
    await flight.drain()  # ...or when the task ends
    assert store.saves[1] == ("p2", ["1=b", "2=c", "3=d"])
    assert [b.position for b, _ in done[1].batches] == ["p1", "p2"]
    await flight.close()


async def test_a_batch_without_a_position_is_saved_with_the_next_position() -> None:
    flight, store, _ = _flight(save_interval_s=0.0)
    middle, end = Acks(), Acks()
    await flight.add(Unsaved(_batch(0, position=False), middle, [_state("1", "a")]))
    middle.ack()
    await _settle()
    assert store.saves == []  # its transaction's end, the only position to save, is still to come
    await flight.add(Unsaved(_batch(1), end, [_state("2", "b")]))
    end.ack()
    await flight.drain()
    assert store.saves == [("p1", ["1=a", "2=b"])]
    await flight.close()


async def test_a_refused_batch_fails_the_next_call_and_saves_nothing() -> None:
    flight, store, _ = _flight(save_interval_s=0.0)
    refused = Acks()
    await flight.add(Unsaved(_batch(0), refused))
    refused.done.set_exception(BusError("Kafka refused a record"))
    with pytest.raises(BusError, match="refused"):
        await flight.during(asyncio.sleep(10))  # an idle read is cut short by the failure
    assert store.saves == []
    await flight.close()


async def test_adding_waits_while_max_batches_wait_for_kafka() -> None:
    flight, store, _ = _flight(max_batches=2, save_interval_s=0.0)
    acks = [Acks() for _ in range(3)]
    await flight.add(Unsaved(_batch(0), acks[0]))
    await flight.add(Unsaved(_batch(1), acks[1]))
    third = asyncio.ensure_future(flight.add(Unsaved(_batch(2), acks[2])))
    await _settle()
    assert not third.done()
    acks[0].ack()
    await asyncio.wait_for(third, 1)
    for ack in acks[1:]:
        ack.ack()
    await flight.drain()
    assert store.saves[-1][0] == "p2"
    await flight.close()
