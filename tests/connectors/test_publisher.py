"""What the publisher makes of each change, before any broker: the feed record with its contract
id and administrative units, or the quarantine record with the reason (no server needed)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bus.producer import KafkaProducer
from connectors.config import TableFeed
from connectors.contracts import BuiltinContracts, ContractCheck
from connectors.held_change import decode_change
from connectors.publisher import QUARANTINE_CODE_HEADER, Publisher
from connectors.source import Change
from schemas.events import ChangePayload, Op
from tests.connectors.memory_source import MemoryConfig

TOPIC = "gov.land.parcel.v1"


def parcel(**changes: Any) -> dict[str, Any]:
    row = {
        "commune_code": "00004", "map_sheet_no": 12, "parcel_no": 345, "area_m2": 86.5,
        "land_use_purpose": "ODT", "use_until": None, "address": "số 12 phố Đội Cấn",
        "updated_at": datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
    }  # fmt: skip
    return row | changes


def change(row: dict[str, Any], **changes: Any) -> Change:
    key = {name: row[name] for name in ("commune_code", "map_sheet_no", "parcel_no")}
    fields = {"table": "public.parcels", "op": Op.CREATE, "key": key, "before": None, "after": row,
              "position": "0/1"}  # fmt: skip
    return Change(**(fields | changes))


FEED = TableFeed(table="public.parcels", event_type="vn.gov.land.parcel.v1", admin_unit_column="commune_code")


def accept_all(event_type: str, payload: ChangePayload) -> str | None:
    return None


async def record(
    row: dict[str, Any], contracts: ContractCheck | None = None, **changes: Any
) -> tuple[str, dict[str, bytes], Any]:
    config = MemoryConfig(name="land-db", kind="memory", database="d", feeds=[FEED])
    producer = KafkaProducer("127.0.0.1:1", "never-started")
    try:
        made = Publisher(config, producer, contracts or BuiltinContracts()).record(change(row, **changes))
    finally:
        await producer.stop()
    return made.topic, dict(made.message.headers), json.loads(made.message.value)


async def test_a_valid_row_carries_its_contract_and_current_admin_unit() -> None:
    topic, headers, value = await record(parcel())
    assert topic == TOPIC
    assert headers["ce_dataschema"].decode().startswith("urn:vn-gov-hub:contract:vn.gov.land.parcel.v1:v")
    assert headers["ce_adminunit"] == b"00004" and "ce_adminunitorig" not in headers
    assert value["after"]["address"] == "số 12 phố Đội Cấn"


async def test_a_pre_merger_commune_is_stamped_with_its_successor_and_keeps_its_code() -> None:
    _, merged, _ = await record(parcel(commune_code="00013"))  # Quán Thánh, now in Ba Đình
    assert (merged["ce_adminunit"], merged["ce_adminunitorig"]) == (b"00004", b"00013")
    _, split, _ = await record(parcel(commune_code="00007"))  # Cống Vị, split in 2025
    assert split["ce_adminunitorig"] == b"00007" and split["ce_adminunit"] != b"00007"


async def test_a_row_breaking_its_contract_goes_to_quarantine_with_the_reason() -> None:
    topic, headers, value = await record(parcel(land_use_purpose="XXX"))
    assert topic == f"{TOPIC}.quarantine"
    assert headers[QUARANTINE_CODE_HEADER] == b"contract_violation"
    assert [d["field"] for d in value["reason"]["details"]] == ["land_use_purpose"]
    assert value["event"]["data"]["after"]["land_use_purpose"] == "XXX"
    assert headers["ce_subject"] == b"00004:12:345"
    assert decode_change(value["change"]) == change(parcel(land_use_purpose="XXX"))  # to map again later


async def test_unknown_admin_unit_and_unknown_contract_are_quarantined_too() -> None:
    _, headers, _ = await record(parcel(commune_code="00010"))
    assert headers[QUARANTINE_CODE_HEADER] == b"unknown_admin_unit"
    topic, headers, _ = await record(parcel(), table="outbox.x", event_type="vn.gov.nothing.here.v1")
    assert (topic, headers[QUARANTINE_CODE_HEADER]) == ("gov.nothing.here.v1.quarantine", b"unknown_contract")


async def test_an_oversized_row_is_quarantined_without_its_data() -> None:
    topic, headers, value = await record(parcel(address="x" * 1_000_000), contracts=accept_all)
    assert (topic, headers[QUARANTINE_CODE_HEADER]) == (f"{TOPIC}.quarantine", b"record_too_large")
    assert "data" not in value["event"] and value["event"]["subject"] == "00004:12:345"
    assert "change" not in value
