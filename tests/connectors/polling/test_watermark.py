"""Watermark positions round-trip exactly and sort like the values they encode."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.polling.watermark import (
    MalformedPosition,
    UnsupportedValueType,
    Watermark,
    decode_value,
    encode_value,
)

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
NAIVE = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9999, 1, 1))
AWARE = st.datetimes(
    min_value=datetime(1900, 1, 2),
    max_value=datetime(9998, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=7))]),
)
KEY_VALUES = st.one_of(INT64, st.text(), st.uuids())


@given(stamp=st.one_of(NAIVE, AWARE), key=st.lists(KEY_VALUES, min_size=1, max_size=3))
def test_watermarks_round_trip(stamp: datetime, key: list[object]) -> None:
    watermark = Watermark(stamp, tuple(key))
    decoded = Watermark.decode(watermark.encode())
    assert decoded == watermark
    assert (decoded.updated_at.tzinfo is None) == (stamp.tzinfo is None)


@given(a=INT64, b=INT64)
def test_integer_text_order_is_number_order(a: int, b: int) -> None:
    assert (encode_value(a) < encode_value(b)) == (a < b)


@given(a=AWARE, b=AWARE)
def test_timestamp_text_order_is_time_order(a: datetime, b: datetime) -> None:
    assert (encode_value(a) < encode_value(b)) == (a < b)


@given(
    a=st.from_regex(r"[A-Za-z0-9]{0,8}", fullmatch=True), b=st.from_regex(r"[A-Za-z0-9]{0,8}", fullmatch=True)
)
def test_positions_order_by_time_then_alphanumeric_key(a: str, b: str) -> None:
    stamp = datetime(2025, 7, 1, 8, tzinfo=UTC)
    first, second = Watermark(stamp, (a,)).encode(), Watermark(stamp, (b,)).encode()
    assert (first < second) == (a < b)
    assert first < Watermark(stamp + timedelta(microseconds=1), ("",)).encode()


def test_encoding_is_readable() -> None:
    stamp = datetime(2025, 7, 1, 15, 0, tzinfo=timezone(timedelta(hours=7)))
    assert Watermark(stamp, (42,)).encode() == "t2025-07-01T08:00:00.000000Z i09223372036854775850"
    assert (
        Watermark(stamp.replace(tzinfo=None), ("HN 01",)).encode() == "t2025-07-01T15:00:00.000000 sHN%2001"
    )


def test_separator_inside_text_keys_round_trips() -> None:
    watermark = Watermark(datetime(2025, 1, 1), ("a b%c", uuid.UUID(int=7)))
    assert Watermark.decode(watermark.encode()) == watermark


@pytest.mark.parametrize("value", [1.5, True, b"raw", 2**63, None])
def test_values_without_an_order_preserving_encoding_are_refused(value: object) -> None:
    with pytest.raises(UnsupportedValueType) as caught:
        encode_value(value)
    assert caught.value.code == "column_type_unsupported"


@pytest.mark.parametrize(
    "position",
    ["", "x12", "i12", "t2025-13-01T00:00:00", "unot-a-uuid", "i09223372036854775850", "sabc i1"],
)
def test_malformed_positions_are_refused(position: str) -> None:
    with pytest.raises(MalformedPosition) as caught:
        Watermark.decode(position)
    assert caught.value.code == "position_malformed"
    assert not caught.value.retriable


def test_decoding_a_component_gives_its_type() -> None:
    assert decode_value("i09223372036854775807") == -1
    assert decode_value("s%F0%9F%8C%8F") == "🌏"
