"""Republishing held changes: mapped and checked again, sent in order under their event id, and a
record whose earlier change still fails keeps its later ones held (in-memory broker)."""

from __future__ import annotations

import json
from collections.abc import Collection

from bus.memory import MemoryBroker
from connectors.config import TableFeed
from connectors.contracts import ContractCheck
from connectors.held_change import decode_change
from connectors.publisher import Publisher
from connectors.republish import Held, republish
from connectors.source import Change
from schemas.errors import ContractViolation
from schemas.events import ChangePayload, Op
from tests.connectors.memory_source import MemoryConfig

FEED = TableFeed(table="public.items", event_type="vn.gov.land.parcel.v1")
CONFIG = MemoryConfig(name="items-db", kind="memory", database="d", feeds=[FEED])
QUARANTINE = "gov.land.parcel.v1.quarantine"


def refusing(positions: Collection[str]) -> ContractCheck:
    def check(event_type: str, payload: ChangePayload) -> str | None:
        if payload.source.position in positions:
            raise ContractViolation(f"position {payload.source.position} refused")
        return "urn:test"

    return check


def change(key: int, position: str, op: Op = Op.CREATE) -> Change:
    return Change("public.items", op, {"id": key}, None, {"id": key, "v": position}, position=position)


def held(broker: MemoryBroker) -> list[Held]:
    records = [record for log in broker.topics[QUARANTINE] for record in log]
    found = []
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        body = json.loads(record.value or b"")
        found.append(
            Held(
                (record.topic, record.partition, record.offset), body["event"]["id"],
                (record.key or b"").decode(), body["event"].get("traceparent"), decode_change(body["change"]),
            )
        )  # fmt: skip
    return found


async def test_what_passes_now_goes_out_in_order_and_a_held_records_later_changes_wait() -> None:
    broker = MemoryBroker(default_partitions=1)
    first = Publisher(CONFIG, broker.producer(), refusing({"0/2", "0/3", "0/4"}))
    changes = [change(1, "0/1"), change(2, "0/2"), change(2, "0/3", Op.UPDATE), change(3, "0/4")]
    outcome = await first.publish(changes)
    assert (outcome.published, outcome.quarantined) == (1, 3)
    waiting = held(broker)

    fixed = Publisher(CONFIG, broker.producer(), refusing({"0/2"}))  # record 2's first change still fails
    verdicts = await republish(fixed, waiting)

    assert [v.reason["code"] if v.reason else v.sent_to for v in verdicts] == [
        "contract_violation", "held_behind_key", "gov.land.parcel.v1"
    ]  # fmt: skip
    feed = [record for log in broker.topics["gov.land.parcel.v1"] for record in log]
    assert [record.header("ce_id") for record in feed][-1] == waiting[2].event_id
    assert json.loads(feed[-1].value or b"")["source"]["position"] == "0/4"
    assert (verdicts[2].partition, verdicts[2].offset) == (feed[-1].partition, feed[-1].offset)
    assert sum(len(log) for log in broker.topics[QUARANTINE]) == 3  # nothing quarantined again
