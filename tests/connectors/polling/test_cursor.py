"""The composite position of a polling source round-trips and refuses what it did not write."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.polling.cursor import Cursor, TableProgress
from connectors.polling.watermark import MalformedPosition, Watermark

STAMP = datetime(2025, 7, 1, 8, tzinfo=UTC)


def test_cursor_round_trips_every_table_and_the_outbox_batch() -> None:
    cursor = Cursor(
        {
            "public.parcels": TableProgress(Watermark(STAMP, (7,)), snapshot_until=STAMP),
            "public.owners": TableProgress(Watermark(STAMP, ("a", 2))),
            "public.fresh": TableProgress(),
        },
        outbox_batch=12,
    )
    assert Cursor.decode(cursor.encode()) == cursor


def test_encoding_is_stable_whatever_the_table_order() -> None:
    one = Cursor({"a.x": TableProgress(), "a.y": TableProgress(Watermark(STAMP, (1,)))})
    other = Cursor({"a.y": TableProgress(Watermark(STAMP, (1,))), "a.x": TableProgress()})
    assert one.encode() == other.encode()


@pytest.mark.parametrize(
    "position",
    [
        "000000000042.000000",  # another kind's position
        '{"v": 2, "tables": {}}',
        '{"v": 1}',
        '{"v": 1, "tables": {"a.b": {"w": "i1"}}}',
        '{"v": 1, "tables": {"a.b": {"s": "i1"}}}',
        '{"v": 1, "tables": [], "outbox": "x"}',
    ],
)
def test_foreign_positions_are_refused(position: str) -> None:
    with pytest.raises(MalformedPosition):
        Cursor.decode(position)
