"""The connector's record memory: deletes completed from it, moves stamped with the unit they left,
split communes flagged with their candidates, unchanged TOAST fields named (no server needed:
an in-memory broker and the in-memory record memory)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bus.memory import MemoryBroker
from connectors.config import TableFeed
from connectors.contracts import BuiltinContracts
from connectors.publisher import QUARANTINE_CODE_HEADER, Publisher
from connectors.record_memory import MemoryRecords, RecordBook, RecordState, source_key
from connectors.source import Change
from schemas.events import Op
from tests.connectors.memory_source import MemoryConfig

HANOI, CAN_THO = "00004", "31120"  # Phường Ba Đình (Hà Nội 01), Phường Cái Khế (Cần Thơ 92)
TABLE, TOPIC = "public.certificates", "gov.land.land-use-right-certificate.v1"
FEED = TableFeed(
    table=TABLE, event_type="vn.gov.land.land-use-right-certificate.v1", admin_unit_column="commune_code"
)
KEY = {"serial": "DA 123456"}


def certificate(**changes: Any) -> dict[str, Any]:
    row = {
        "serial": "DA 123456", "entry_no": "CS01234", "holder_full_name": "Nguyễn Văn An",
        "holder_citizen_id": "001090012345", "commune_code": HANOI, "map_sheet_no": 12,
        "parcel_no": 345, "area_m2": 86.5, "land_use_purpose": "ODT", "issue_date": "2024-03-15",
        "issuing_authority": "Sở Tài nguyên và Môi trường thành phố Hà Nội", "status": "valid",
    }  # fmt: skip
    return row | changes


def change(op: Op, position: str, **fields: Any) -> Change:
    return Change(table=TABLE, op=op, key=fields.pop("key", dict(KEY)), before=fields.pop("before", None),
                  after=fields.pop("after", None), position=position, **fields)  # fmt: skip


class Harness:
    def __init__(self) -> None:
        self.broker = MemoryBroker()
        self.memory = MemoryRecords()
        self.config = MemoryConfig(name="land-db", kind="memory", database="d", feeds=[FEED])
        self.position = 0

    async def publish(self, *changes: Change) -> None:
        """One batch, saved with its position as the task does after Kafka acknowledged it."""
        publisher = Publisher(self.config, self.broker.producer(), BuiltinContracts(), records=self.memory)
        await publisher.publish(changes)
        assert publisher.book is not None
        self.position += 1
        await self.memory.save_with_position("land-db", str(self.position), publisher.book.take())

    def events(self, topic: str = TOPIC) -> list[tuple[dict[str, str], dict[str, Any]]]:
        found = [r for partition in self.broker.topics.get(topic, []) for r in partition]
        found.sort(key=lambda r: (r.partition, r.offset))
        return [({n: v.decode() for n, v in r.headers}, json.loads(r.value or b"")) for r in found]


@pytest.fixture
def hub() -> Harness:
    return Harness()


async def test_a_key_only_delete_reaches_the_unit_the_record_was_last_in(hub: Harness) -> None:
    await hub.publish(change(Op.CREATE, "0/1", after=certificate()))
    await hub.publish(change(Op.UPDATE, "0/2", after=certificate(commune_code=CAN_THO)))
    await hub.publish(change(Op.DELETE, "0/3", before=dict(KEY)))  # the default replica identity
    (_, _), (moved, _), (deleted, data) = hub.events()
    assert moved["ce_adminunit"] == CAN_THO and moved["ce_adminunitprev"] == HANOI
    assert deleted["ce_adminunit"] == CAN_THO and "ce_adminunitprev" not in deleted
    assert data["op"] == "d" and data["before"] == KEY


async def test_a_create_and_a_move_in_one_batch_are_applied_in_order(hub: Harness) -> None:
    await hub.publish(
        change(Op.CREATE, "0/1", after=certificate()),
        change(Op.UPDATE, "0/2", after=certificate(commune_code=CAN_THO)),
        change(Op.UPDATE, "0/3", after=certificate(commune_code=CAN_THO, area_m2=90.0)),
    )
    units = [(h["ce_adminunit"], h.get("ce_adminunitprev")) for h, _ in hub.events()]
    assert units == [(HANOI, None), (CAN_THO, HANOI), (CAN_THO, None)]
    assert hub.memory.lookups == 1  # one lookup per batch, none per change


async def test_a_delete_the_memory_never_saw_is_quarantined_as_record_unknown(hub: Harness) -> None:
    await hub.publish(change(Op.DELETE, "0/1", before=dict(KEY)))
    assert hub.events() == []
    ((quarantined, body),) = hub.events(f"{TOPIC}.quarantine")
    assert quarantined[QUARANTINE_CODE_HEADER] == "record_unknown"
    assert body["reason"]["details"] == {"table": TABLE, "source_key": "DA 123456"}


async def test_a_delete_with_its_full_row_needs_no_memory(hub: Harness) -> None:
    await hub.publish(change(Op.DELETE, "0/1", before=certificate()))  # REPLICA IDENTITY FULL
    ((headers, _),) = hub.events()
    assert headers["ce_adminunit"] == HANOI


async def test_records_are_remembered_by_their_primary_key_when_the_record_key_is_other_columns(
    hub: Harness,
) -> None:
    await hub.publish(change(Op.READ, "s:1", after=certificate(), identity={"id": 7}, snapshot=True))
    no_key = dict.fromkeys(KEY)  # a delete of a table keyed by other columns carries only its id
    await hub.publish(change(Op.DELETE, "0/2", before={"id": 7}, key=no_key, identity={"id": 7}))
    _, (headers, data) = hub.events()
    assert headers["ce_subject"] == "DA 123456" and headers["ce_adminunit"] == HANOI
    assert data["before"] == KEY


async def test_a_recreated_record_is_no_move(hub: Harness) -> None:
    await hub.publish(
        change(Op.CREATE, "0/1", after=certificate()), change(Op.DELETE, "0/2", before=dict(KEY))
    )
    await hub.publish(change(Op.CREATE, "0/3", after=certificate(commune_code=CAN_THO)))
    assert "ce_adminunitprev" not in hub.events()[-1][0]


async def test_a_split_commune_code_that_is_also_current_lists_its_candidates(hub: Harness) -> None:
    await hub.publish(change(Op.CREATE, "0/1", after=certificate(commune_code="00070")))  # Hàng Trống, split
    ((headers, _),) = hub.events()
    assert headers["ce_adminunit"] == "00070" and headers["ce_adminunitcandidates"] == "00070,00082"
    await hub.publish(change(Op.CREATE, "0/2", after=certificate(commune_code="00082")))  # never split
    assert "ce_adminunitcandidates" not in hub.events()[-1][0]


async def test_an_unchanged_toasted_field_is_named_and_not_required(hub: Harness) -> None:
    row = {name: value for name, value in certificate().items() if name != "issuing_authority"}
    await hub.publish(change(Op.UPDATE, "0/1", after=row, unchanged_toast=("issuing_authority",)))
    ((headers, data),) = hub.events()
    assert data["unchanged"] == ["issuing_authority"] and "issuing_authority" not in data["after"]
    assert headers["ce_dataschema"]


async def test_the_book_recalls_only_what_it_does_not_hold_and_hands_states_over_once() -> None:
    memory = MemoryRecords()
    saved = RecordState(TABLE, "7", "t", "k", {"k": 1}, HANOI, HANOI, False, "0/1")
    await memory.save_with_position("c", "0/1", [saved])
    book = RecordBook("c", memory, [TABLE])
    seven = change(Op.UPDATE, "0/2", after=certificate(), identity={"id": 7})
    await book.recall([seven])
    assert book.prior(seven) == saved
    book.remember(newer := RecordState(TABLE, "7", "t", "k", {"k": 1}, CAN_THO, CAN_THO, False, "0/2"))
    await book.recall([seven])
    assert book.prior(seven) == newer and memory.lookups == 1  # the unsaved state answers
    assert book.take() == [newer] and book.take() == []
    assert source_key(seven) == (TABLE, "7")


async def test_taken_states_answer_the_next_batches_until_the_store_has_them() -> None:
    """The task queues batch N+1 before N's position (and states) are saved: N+1 must see N."""
    memory = MemoryRecords()
    book = RecordBook("c", memory, [TABLE])
    seven = change(Op.UPDATE, "0/2", after=certificate(), identity={"id": 7})
    await book.recall([seven])
    book.remember(first := RecordState(TABLE, "7", "t", "k", {"k": 1}, HANOI, HANOI, False, "0/2"))
    taken = book.take()  # batch N queued, not saved yet
    await book.recall([seven])  # batch N+1
    assert book.prior(seven) is first and memory.lookups == 1  # not asked of the store
    book.remember(second := RecordState(TABLE, "7", "t", "k", {"k": 1}, CAN_THO, CAN_THO, False, "0/3"))
    later = book.take()
    book.saved(taken)  # N saved: its state for 7 is stale already, N+1's still answers
    await book.recall([seven])
    assert book.prior(seven) is second and memory.lookups == 1
    await memory.save_with_position("c", "0/3", later)
    book.saved(later)
    await book.recall([seven])
    assert book.prior(seven) == second and memory.lookups == 2  # now from the store


async def test_a_new_record_key_deletes_the_old_one_first(hub: Harness) -> None:
    """An update of a record-key column that is not the primary key (default replica identity)."""
    await hub.publish(change(Op.CREATE, "0/1", after=certificate(), identity={"id": 7}))
    renamed = certificate(serial="DA 654321")
    await hub.publish(
        change(Op.UPDATE, "0/2", after=renamed, key={"serial": "DA 654321"}, identity={"id": 7})
    )
    await hub.publish(change(Op.DELETE, "0/3", before={"id": 7}, key={"serial": None}, identity={"id": 7}))
    ops = sorted((headers["ce_subject"], data["op"]) for headers, data in hub.events())
    assert ops == [("DA 123456", "c"), ("DA 123456", "d"), ("DA 654321", "d"), ("DA 654321", "u")]
    assert all("ce_adminunitprev" not in headers for headers, _ in hub.events())
