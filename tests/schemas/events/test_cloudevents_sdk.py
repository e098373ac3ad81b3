"""Our wire formats as the official CloudEvents SDK (cloudevents==2.2.0, ``cloudevents.core``)
reads and writes them: Kafka binary mode and HTTP structured mode, in both directions.

The SDK has no batch support (no ``application/cloudevents-batch+json`` reader), so a batch is
checked as the HTTP binding defines it: a JSON array whose every element is a structured event.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.bindings import http, kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from schemas.events import ChangeEvent, ChangePayload, Op, SourceInfo, event_id, http_codec, kafka_codec
from schemas.events.change import EXTENSIONS, Moved
from schemas.feeds import feed_for_event_type

FORMAT = JSONFormat()


def birth_event(**changes: Any) -> ChangeEvent:
    spec = feed_for_event_type("vn.gov.civil-status.birth.v1")
    row = spec.schema["examples"][0]
    key = spec.record_key(row)
    source = SourceInfo(
        connector="hotich-hn", database="hotich", schema="public", table="khai_sinh",
        position="0/3A1F2B8", txid="90412",
        commit_time=datetime(2026, 11, 23, 8, 15, 2, 123456, tzinfo=UTC),
    )  # fmt: skip
    fields: dict[str, Any] = {
        "id": event_id("hotich-hn", "public.khai_sinh", "0/3A1F2B8", key, "c"),
        "source": "/connectors/hotich-hn/public.khai_sinh",
        "type": spec.event_type,
        "subject": key,
        "time": datetime(2026, 11, 23, 15, 15, 2, 123456, tzinfo=timezone(timedelta(hours=7))),
        "dataschema": spec.dataschema,
        "adminunit": "00004",
        "adminunitorig": "00001",
        "adminunitprev": "31120",  # it moved here from Cần Thơ
        "adminunitcandidates": "00004,00008",
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "data": ChangePayload(op=Op.CREATE, after=row, source=source),
    }
    return ChangeEvent(**{**fields, **changes})


def assert_same(ours: ChangeEvent, theirs: BaseCloudEvent) -> None:
    attributes = theirs.get_attributes()
    for name in (
        "id",
        "source",
        "type",
        "subject",
        "specversion",
        "datacontenttype",
        "dataschema",
        *EXTENSIONS,
    ):
        assert attributes.get(name) == getattr(ours, name), name
    assert attributes["time"] == ours.time
    assert theirs.get_data() == ours.data.model_dump(mode="json", by_alias=True)


def sdk_event(ours: ChangeEvent) -> CloudEvent:
    attributes = ours.model_dump(mode="python", exclude={"data"}, exclude_none=True)
    return CloudEvent(attributes, ours.data.model_dump(mode="json", by_alias=True))


def test_sdk_reads_our_kafka_binary_message() -> None:
    ours = birth_event()
    message = kafka_codec.to_kafka(ours)
    theirs = kafka.from_binary(kafka.KafkaMessage(dict(message.headers), message.key, message.value), FORMAT)
    assert_same(ours, theirs)
    assert theirs.get_extension("partitionkey") == ours.subject  # the SDK's name for the message key


def test_we_read_the_sdk_kafka_binary_message() -> None:
    ours = birth_event()
    message = kafka.to_binary(sdk_event(ours), FORMAT, key_mapper=lambda e: str(e.get_subject()).encode())
    assert isinstance(message.key, bytes)
    assert kafka_codec.from_kafka(message.key, message.value, list(message.headers.items())) == ours


def test_sdk_reads_our_structured_http_body() -> None:
    ours = birth_event()
    request = http.HTTPMessage({"content-type": http_codec.STRUCTURED}, http_codec.encode(ours))
    assert_same(ours, http.from_http(request, FORMAT))


def test_we_read_the_sdk_structured_http_body() -> None:
    ours = birth_event()
    message = http.to_structured(sdk_event(ours), FORMAT)
    assert message.headers["content-type"] == http_codec.STRUCTURED
    assert http_codec.decode(message.body) == ours


def test_a_move_out_and_unchanged_fields_read_back_through_the_sdk_in_both_bindings() -> None:
    source = birth_event().data.source
    moved = ChangePayload(op=Op.DELETE, source=source, moved=Moved(from_unit="00004", to_unit="31120"))
    ours = birth_event(data=moved, adminunitprev=None)
    message = kafka_codec.to_kafka(ours)
    theirs = kafka.from_binary(kafka.KafkaMessage(dict(message.headers), message.key, message.value), FORMAT)
    assert_same(ours, theirs)
    data = theirs.get_data()
    assert isinstance(data, dict) and data["moved"] == {"from": "00004", "to": "31120"}
    partial = ChangePayload(op=Op.UPDATE, after={"full_name": "An"}, source=source, unchanged=["photo"])
    structured = birth_event(data=partial)
    read = http.from_http(
        http.HTTPMessage({"content-type": http_codec.STRUCTURED}, http_codec.encode(structured)), FORMAT
    )
    assert_same(structured, read)
    read_data = read.get_data()
    assert isinstance(read_data, dict) and read_data["unchanged"] == ["photo"]
    assert http_codec.decode(http_codec.encode(structured)) == structured


def test_every_element_of_our_batch_is_an_sdk_structured_event() -> None:
    events = [birth_event(), birth_event(id="2", subject="00004:01/2026:158")]
    body = json.loads(http_codec.encode_batch(events))
    assert isinstance(body, list) and len(body) == 2
    for ours, item in zip(events, body, strict=True):
        assert_same(ours, FORMAT.read(None, json.dumps(item)))


def test_time_goes_out_as_rfc3339_utc_with_z_like_the_sdk_writes_it() -> None:
    ours = birth_event()
    ce_time = dict(kafka_codec.to_kafka(ours).headers)["ce_time"].decode()
    assert ce_time == "2026-11-23T08:15:02.123456Z"
    sdk = kafka.to_binary(sdk_event(ours), FORMAT).headers["ce_time"].decode()
    assert ce_time == sdk
    assert json.loads(http_codec.encode(ours))["time"] == ce_time


def test_a_naive_time_is_taken_as_utc_so_the_sdk_accepts_it() -> None:
    """The SDK refuses a time without an offset; our model never produces one."""
    ours = birth_event(time=datetime(2026, 11, 23, 8, 0))
    message = kafka_codec.to_kafka(ours)
    theirs = kafka.from_binary(kafka.KafkaMessage(dict(message.headers), message.key, message.value), FORMAT)
    assert theirs.get_time() == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert_same(ours, http.from_structured(http.HTTPMessage({}, http_codec.encode(ours)), FORMAT))


@pytest.mark.parametrize("name", EXTENSIONS)
def test_extension_names_are_valid_cloudevents_attribute_names(name: str) -> None:
    assert re.fullmatch(r"[a-z0-9]{1,20}", name)


def test_upper_case_header_names_are_read_as_the_sdk_reads_them() -> None:
    ours = birth_event()
    message = kafka_codec.to_kafka(ours)
    shouting = [(name.upper() if name.startswith("ce_") else name, value) for name, value in message.headers]
    assert kafka_codec.from_kafka(message.key, message.value, shouting) == ours
