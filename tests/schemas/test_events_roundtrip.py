"""Change events survive both wire bindings unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.events import ChangeEvent, ChangePayload, Op, SourceInfo, event_id, http_codec, kafka_codec


def sample() -> ChangeEvent:
    source = SourceInfo(
        connector="land-db", database="land", schema="public", table="parcel", position="0/16B3748",
        txid="731", commit_time=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
    )  # fmt: skip
    return ChangeEvent(
        id=event_id("land-db", "public.parcel", "0/16B3748", "P-1", "u"),
        source="/connectors/land-db/public.parcel",
        type="vn.gov.land.parcel.v1",
        subject="P-1",
        adminunit="01",
        adminunitorig="001",
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        data=ChangePayload(op=Op.UPDATE, before={"area": 1}, after={"area": 2}, source=source),
    )


def test_kafka_binary_mode_roundtrip() -> None:
    event = sample()
    msg = kafka_codec.to_kafka(event)
    assert msg.key == b"P-1"
    assert dict(msg.headers)["ce_type"] == b"vn.gov.land.parcel.v1"
    assert kafka_codec.from_kafka(msg.key, msg.value, msg.headers) == event


def test_http_structured_roundtrip_single_and_batch() -> None:
    event = sample()
    assert http_codec.decode(http_codec.encode(event)) == event
    assert http_codec.decode(http_codec.encode_batch([event, event])) == [event, event]


def test_event_id_is_deterministic_and_position_sensitive() -> None:
    a = event_id("c", "t", "0/1", "k", "c")
    assert a == event_id("c", "t", "0/1", "k", "c")
    assert a != event_id("c", "t", "0/2", "k", "c")
