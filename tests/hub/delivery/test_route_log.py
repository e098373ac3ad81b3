"""The routed-events buffer: one row per event id per process, kept across a failed write."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.delivery.pipeline.job import Record
from hub.delivery.route_log import RoutedEvents, routed_row
from schemas.events import ChangeEvent, ChangePayload, Op, SourceInfo

COMMIT = datetime(2025, 7, 1, 3, 0, tzinfo=UTC)


def event(n: int) -> ChangeEvent:
    source = SourceInfo(
        connector="hotich", database="hotich", schema="public", table="birth", position=f"0/{n:X}",
        txid="9", commit_time=COMMIT,
    )  # fmt: skip
    return ChangeEvent(
        id=f"ev-{n}", source="/connectors/hotich/public.birth", type="vn.gov.civil-status.birth.v1",
        subject=f"K{n}", traceparent="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        data=ChangePayload(op=Op.CREATE, after={"id": n}, source=source),
    )  # fmt: skip


def record(n: int, timestamp_ms: int = 1_751_338_800_123) -> Record:
    return Record("gov.civil-status.birth.v1", 1, 100 + n, b"K", b"{}", (), timestamp_ms)


def test_a_row_carries_the_kafka_address_and_the_source_facts_but_no_payload() -> None:
    now = datetime.now(UTC)
    row = routed_row(record(1), event(1), now)
    assert row == {
        "event_id": "ev-1", "event_type": "vn.gov.civil-status.birth.v1", "record_key": "K1",
        "topic": "gov.civil-status.birth.v1", "partition": 1, "offset": 101,
        "published_at": datetime(2025, 7, 1, 3, 0, 0, 123000, tzinfo=UTC), "connector": "hotich",
        "source_table": "public.birth", "position": "0/1", "txid": "9", "commit_time": COMMIT,
        "snapshot": False, "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "first_routed_at": now,
    }  # fmt: skip


def test_a_record_without_a_timestamp_has_no_publish_time() -> None:
    assert routed_row(record(1, timestamp_ms=-1), event(1), datetime.now(UTC))["published_at"] is None


def test_every_subscription_seeing_an_event_makes_one_row() -> None:
    buffer = RoutedEvents()
    for _subscription in range(35):
        buffer.seen(record(1), event(1))
    buffer.seen(record(2), event(2))
    assert [row["event_id"] for row in buffer.take()] == ["ev-1", "ev-2"]
    buffer.seen(record(1), event(1))  # a slower subscription of the process reads it later
    assert buffer.take() == []


def test_recent_ids_are_forgotten_beyond_the_window() -> None:
    buffer = RoutedEvents(recent=2)
    for n in (1, 2, 3):
        buffer.seen(record(n), event(n))
        buffer.take()
    buffer.seen(record(1), event(1))
    assert [row["event_id"] for row in buffer.take()] == ["ev-1"]  # the store ignores the duplicate


def test_rows_of_a_failed_write_come_back_first() -> None:
    buffer = RoutedEvents()
    buffer.seen(record(1), event(1))
    failed = buffer.take()
    buffer.seen(record(2), event(2))
    buffer.restore(failed)
    buffer.seen(record(1), event(1))
    assert [row["event_id"] for row in buffer.take()] == ["ev-1", "ev-2"]


def test_a_full_buffer_drops_and_counts() -> None:
    buffer = RoutedEvents(max_buffered=1)
    buffer.seen(record(1), event(1))
    buffer.seen(record(2), event(2))
    assert (len(buffer.take()), buffer.dropped) == (1, 1)
