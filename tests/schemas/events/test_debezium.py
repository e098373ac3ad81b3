"""Debezium PostgreSQL connector records (JSON converter, with and without schemas) as our events.

The samples in ``debezium/`` are written the way Debezium 2.7's PostgreSQL connector emits them
(envelope, ``source`` block, semantic types: Date days, MicroTimestamp, Connect Decimal bytes).
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from schemas.errors import InvalidInput
from schemas.events import ChangeEvent, Op, debezium, event_id, kafka_codec
from schemas.feeds import feed_for_event_type

SAMPLES = Path(__file__).parent / "debezium"
BIRTH = "vn.gov.civil-status.birth.v1"
PARCEL = "vn.gov.land.parcel.v1"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def schemaless(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(sample(name))["payload"]
    return document


def read(key: Any, value: Any, event_type: str = BIRTH) -> ChangeEvent:
    raw_key = None if key is None else json.dumps(key).encode()
    raw_value = None if value is None else json.dumps(value).encode()
    result = debezium.read(raw_key, raw_value, event_type=event_type)
    assert isinstance(result, ChangeEvent)
    return result


def test_create_with_schema_envelope_becomes_a_contract_valid_event() -> None:
    event = debezium.read(
        sample("birth_create_key_with_schema.json"), sample("birth_create_with_schema.json"), event_type=BIRTH
    )
    assert isinstance(event, ChangeEvent)
    assert event.type == BIRTH
    assert event.subject == "00004:01/2026:157"
    assert event.source == "/connectors/hotich/public.khai_sinh"
    assert event.data.op is Op.CREATE and event.data.before is None
    after = event.data.after
    assert after is not None
    assert after["registration_date"] == "2026-11-20" and after["date_of_birth"] == "2026-11-02"
    source = event.data.source
    assert (source.connector, source.database, source.schema_name, source.table) == (
        "hotich",
        "hotich",
        "public",
        "khai_sinh",
    )
    assert source.position == "0/16E9378"  # 24023928 as PostgreSQL prints an LSN
    assert source.txid == "90412" and source.snapshot is False
    assert source.commit_time == datetime(2026, 11, 23, 8, 15, 2, 123000, tzinfo=UTC)
    assert event.time == source.commit_time
    assert event.id == event_id("hotich", "public.khai_sinh", "0/16E9378", event.subject, "c")
    contract = Draft202012Validator(feed_for_event_type(BIRTH).schema, format_checker=FormatChecker())
    assert list(contract.iter_errors(after)) == []


def test_same_record_twice_has_the_same_id_and_survives_our_kafka_codec() -> None:
    args = (sample("birth_create_key_with_schema.json"), sample("birth_create_with_schema.json"))
    first, again = debezium.read(*args, event_type=BIRTH), debezium.read(*args, event_type=BIRTH)
    assert first == again
    assert isinstance(first, ChangeEvent)
    message = kafka_codec.to_kafka(first)
    assert kafka_codec.from_kafka(message.key, message.value, message.headers) == first


def test_update_decodes_decimal_and_micro_timestamp() -> None:
    key = {"commune_code": "00004", "map_sheet_no": 12, "parcel_no": 345}
    event = debezium.read(json.dumps(key), sample("parcel_update_with_schema.json"), event_type=PARCEL)
    assert isinstance(event, ChangeEvent)
    assert event.data.op is Op.UPDATE and event.subject == "00004:12:345"
    assert event.data.before is not None and event.data.after is not None
    assert event.data.before["area_m2"] == 123.4 and event.data.after["area_m2"] == 86.5
    assert event.data.after["updated_at"] == "2026-11-23T08:00:00.250000Z"
    assert event.data.source.position == "5/16E9378"
    contract = Draft202012Validator(feed_for_event_type(PARCEL).schema, format_checker=FormatChecker())
    assert list(contract.iter_errors(event.data.after)) == []


def test_without_schema_envelope_values_pass_through() -> None:
    payload = schemaless("birth_create_with_schema.json")
    event = read({"commune_code": "00004", "book_no": "01/2026", "registration_no": 157}, payload)
    assert event.data.after is not None
    assert event.data.after["registration_date"] == 20777  # no schema: Debezium's days since epoch
    assert event.subject == "00004:01/2026:157"


def test_delete_keeps_the_before_image() -> None:
    payload = schemaless("birth_create_with_schema.json")
    payload["before"] = {**payload.pop("after"), "full_name": None}  # REPLICA IDENTITY DEFAULT: key only
    payload.update(after=None, op="d")
    event = read({"commune_code": "00004", "book_no": "01/2026", "registration_no": 157}, payload)
    assert event.data.op is Op.DELETE and event.data.after is None
    assert event.data.before is not None and event.data.before["registration_no"] == 157


@pytest.mark.parametrize("marker", ["true", "last", "first", "incremental"])
def test_snapshot_reads_are_flagged(marker: str) -> None:
    payload = schemaless("birth_create_with_schema.json")
    payload["op"] = "r"
    payload["source"]["snapshot"] = marker
    event = read({"registration_no": 157}, payload)
    assert event.data.op is Op.READ and event.data.source.snapshot is True


def test_truncate_has_no_key_and_names_the_table() -> None:
    payload = schemaless("birth_create_with_schema.json")
    payload.update(before=None, after=None, op="t")
    event = read(None, payload)
    assert event.data.op is Op.TRUNCATE
    assert event.subject == "public.khai_sinh"


def test_tombstone_is_skipped_with_its_key() -> None:
    key = sample("birth_create_key_with_schema.json")
    assert debezium.read(key, None, event_type=BIRTH) == debezium.Tombstone("00004:01/2026:157")
    assert debezium.read(key, b"null", event_type=BIRTH) == debezium.Tombstone("00004:01/2026:157")
    assert debezium.read(None, None, event_type=BIRTH) == debezium.Tombstone(None)


def without(path: str) -> dict[str, Any]:
    payload = copy.deepcopy(schemaless("birth_create_with_schema.json"))
    node = payload
    *parents, last = path.split(".")
    for part in parents:
        node = node[part]
    del node[last]
    return payload


@pytest.mark.parametrize(
    ("payload", "names"),
    [
        (without("op"), "payload.op"),
        (without("source"), "payload.source"),
        (without("source.lsn"), "payload.source.lsn"),
        (without("source.ts_ms"), "payload.source.ts_ms"),
        (without("source.name"), "payload.source.name"),
        (without("source.table"), "payload.source.table"),
        ({**schemaless("birth_create_with_schema.json"), "op": "m"}, "not a row change"),
    ],
)
def test_malformed_events_raise_invalid_input_naming_the_field(payload: dict[str, Any], names: str) -> None:
    with pytest.raises(InvalidInput, match=names.replace(".", r"\.")):
        read({"registration_no": 157}, payload)


def test_missing_key_and_bad_json_are_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="no key"):
        read(None, schemaless("birth_create_with_schema.json"))
    with pytest.raises(InvalidInput, match="not JSON"):
        debezium.read(b"{", b"{}", event_type=BIRTH)
    with pytest.raises(InvalidInput, match="event type"):
        debezium.read(None, None, event_type="birth")
