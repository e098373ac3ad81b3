"""Both wire bindings are lossless for any event, and malformed messages fail as InvalidInput."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.errors import InvalidInput
from schemas.events import ChangeEvent, ChangePayload, Op, SourceInfo, http_codec, kafka_codec

text = st.text(st.characters(codec="utf-8"), min_size=1, max_size=30)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text
)
rows = st.dictionaries(
    text,
    st.recursive(
        json_scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
        max_leaves=8,
    ),
    max_size=6,
)
aware_times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=7)), timezone(-timedelta(hours=3, minutes=30))]),
)  # fmt: skip


@st.composite
def events(draw: st.DrawFn) -> ChangeEvent:
    source = SourceInfo(
        connector=draw(text), database=draw(text), schema=draw(st.none() | text), table=draw(text),
        position=draw(text), txid=draw(st.none() | text), commit_time=draw(st.none() | aware_times),
        snapshot=draw(st.booleans()),
    )  # fmt: skip
    optional = st.none() | text
    return ChangeEvent(
        id=draw(text), source=draw(text), type=draw(text), subject=draw(text), time=draw(aware_times),
        dataschema=draw(optional), adminunit=draw(optional), adminunitorig=draw(optional),
        traceparent=draw(optional),
        data=ChangePayload(
            op=draw(st.sampled_from(Op)), before=draw(st.none() | rows), after=draw(st.none() | rows),
            source=source,
        ),
    )  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(event=events())
def test_kafka_binary_roundtrip_is_lossless(event: ChangeEvent) -> None:
    message = kafka_codec.to_kafka(event)
    back = kafka_codec.from_kafka(message.key, message.value, message.headers)
    assert back == event
    assert back.model_dump(mode="json") == event.model_dump(mode="json")  # same text, not only same instant


@settings(max_examples=150, deadline=None)
@given(batch=st.lists(events(), min_size=1, max_size=3))
def test_http_structured_roundtrip_is_lossless(batch: list[ChangeEvent]) -> None:
    assert http_codec.decode(http_codec.encode(batch[0])) == batch[0]
    assert http_codec.decode(http_codec.encode_batch(batch)) == batch


def good() -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    source = SourceInfo(connector="c", database="d", table="t", position="0/1")
    event = ChangeEvent(id="1", source="/c/t", type="vn.gov.land.parcel.v1", subject="k",
                        data=ChangePayload(op=Op.DELETE, before={"k": 1}, source=source))  # fmt: skip
    message = kafka_codec.to_kafka(event)
    return message.key, message.value, message.headers


def replaced(headers: list[tuple[str, bytes]], name: str, value: bytes | None) -> list[tuple[str, Any]]:
    return [(n, value if n == name else v) for n, v in headers]


@pytest.mark.parametrize(
    ("mutate", "says"),
    [
        (lambda k, v, h: (k, v, [x for x in h if x[0] != "ce_id"]), "ce_id"),
        (lambda k, v, h: (k, None, h), "tombstone"),
        (lambda k, v, h: (b"other", v, h), "disagree"),
        (lambda k, v, h: (k, b"{not json", h), "malformed"),
        (lambda k, v, h: (k, b'{"op": "x", "source": {}}', h), "malformed"),
        (lambda k, v, h: (k, v, replaced(h, "ce_time", b"yesterday")), "malformed"),
        (lambda k, v, h: (k, v, replaced(h, "ce_type", b"\xff\xfe")), "UTF-8"),
    ],
)
def test_malformed_kafka_messages_raise_invalid_input(mutate: Any, says: str) -> None:
    key, value, headers = mutate(*good())
    with pytest.raises(InvalidInput, match=says):
        kafka_codec.from_kafka(key, value, headers)


def test_null_header_values_are_ignored() -> None:
    key, value, headers = good()
    assert kafka_codec.from_kafka(key, value, [*headers, ("ce_unknown", None)]).subject == "k"  # type: ignore[list-item]
