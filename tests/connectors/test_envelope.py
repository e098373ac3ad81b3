"""From Change to ChangeEvent: reproducible ids, the record key, the source and its position."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from cloudevents.core.bindings import kafka
from cloudevents.core.formats.json import JSONFormat

from connectors.config import TableFeed
from connectors.envelope import Envelope, record_key
from connectors.source import Change
from schemas.events import Op, kafka_codec
from tests.connectors.memory_source import MemoryConfig

COMMIT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def envelope() -> Envelope:
    feed = TableFeed(
        table="land.parcels", event_type="vn.gov.land.parcel.v1", admin_unit_column="commune_code"
    )
    return Envelope(MemoryConfig(name="land-db", kind="memory", database="d", feeds=[feed]))


def change(position: str = "0/16B3748", **changes: object) -> Change:
    fields: dict[str, object] = {
        "table": "land.parcels",
        "op": Op.UPDATE,
        "key": {"commune_code": "00004", "map_sheet_no": 12, "parcel_no": 345},
        "before": None,
        "after": {"commune_code": "00004", "map_sheet_no": 12, "parcel_no": 345},
        "position": position,
        "txid": "771",
        "commit_time": COMMIT,
    }
    return Change(**(fields | changes))  # type: ignore[arg-type]


def test_the_same_change_always_becomes_the_same_event() -> None:
    first, again = envelope().build(change()), envelope().build(change())
    assert first == again
    assert first.id != envelope().build(change(position="0/16B3750")).id
    assert first.id != envelope().build(change(op=Op.DELETE)).id


def test_key_source_and_payload() -> None:
    event = envelope().build(change(), traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
    assert event.subject == record_key(change()) == "00004:12:345"
    assert (event.type, event.source, event.time) == (
        "vn.gov.land.parcel.v1",
        "/connectors/land-db/land.parcels",
        COMMIT,
    )
    source = event.data.source
    assert (source.schema_name, source.table, source.position, source.txid) == (
        "land",
        "parcels",
        "0/16B3748",
        "771",
    )
    assert event.traceparent is not None and event.traceparent.startswith("00-0af7")


def test_every_key_value_type_is_written_as_its_text() -> None:
    key = {"s": "00004", "i": 12, "flag": True, "n": Decimal("1.50"), "u": UUID(int=1), "d": date(2026, 1, 2),
           "none": None, "f": 2.5}  # fmt: skip
    expected = "00004:12:True:1.50:00000000-0000-0000-0000-000000000001:2026-01-02:None:2.5"
    assert record_key(change(key=key)) == expected


def test_an_outbox_row_keeps_its_own_type_and_id() -> None:
    outbox = change(table="outbox.civil-status", event_type="vn.gov.civil-status.birth.v1", event_id="evt-1")
    event = envelope().build(outbox)
    assert (event.id, event.type) == ("evt-1", "vn.gov.civil-status.birth.v1")
    assert envelope().topic(outbox) == "gov.civil-status.birth.v1"


def test_the_admin_unit_column_is_read_from_the_row_or_the_old_row_of_a_delete() -> None:
    assert envelope().admin_unit_code(change()) == "00004"
    deleted = change(op=Op.DELETE, before={"commune_code": "00013"}, after=None)
    assert envelope().admin_unit_code(deleted) == "00013"


def test_a_truncate_is_about_its_table_which_is_its_subject_and_key() -> None:
    truncate = change(op=Op.TRUNCATE, key={}, after=None)
    event = envelope().build(truncate)
    assert event.subject == record_key(truncate) == "land.parcels"
    assert (
        event.id
        == envelope().build(truncate).id
        != envelope().build(change(op=Op.TRUNCATE, key={}, after=None, position="0/2")).id
    )
    message = kafka_codec.to_kafka(event)
    assert message.key == b"land.parcels"
    parsed = kafka.from_binary(
        kafka.KafkaMessage(dict(message.headers), message.key, message.value), JSONFormat()
    )
    assert (parsed.get_subject(), parsed.get_id()) == ("land.parcels", event.id)


def test_binary_values_travel_as_standard_base64_in_rows_and_keys() -> None:
    scan = bytes([0xFF, 0xFE, 0x00, 0xFB, 0xEF])  # not UTF-8; "+" and "/" in its base64
    binary = change(
        key={"file": b"\xfb\xff"}, before={"scan": None}, after={"scan": scan, "pages": [b"a", None]}
    )
    event = envelope().build(binary)
    assert event.subject == "+/8="
    assert event.data.after == {"scan": "//4A++8=", "pages": ["YQ==", None]}
    assert json.loads(kafka_codec.to_kafka(event).value)["after"]["scan"] == base64.b64encode(scan).decode()
    assert event.data.before == {"scan": None}
