"""The source change kept in a quarantine record reads back as the change the source gave."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from connectors.held_change import HeldChangeUnreadable, decode_change, encode_change
from connectors.source import Change
from schemas.events import Op

ROW = {
    "id": 7, "amount": Decimal("12.50"), "born": date(2026, 11, 2),
    "at": datetime(2026, 11, 2, 8, tzinfo=UTC),
    "opens": time(8, 30), "photo": b"\x00\xffbin", "ref": uuid.UUID(int=5), "wait": timedelta(hours=1),
    "tags": ["a", Decimal("1")], "doc": {"k": date(2020, 1, 1)}, "name": "Trần", "ok": True, "none": None,
    "ratio": 0.5,
}  # fmt: skip


def test_a_change_survives_json_with_its_python_types() -> None:
    change = Change(
        "public.khai_sinh", Op.UPDATE, {"id": 7}, {"id": 7, "amount": Decimal("1")}, ROW, position="0/16B3",
        txid="42", commit_time=datetime(2026, 11, 2, 8, 0, 1, tzinfo=UTC), unchanged_toast=("photo",),
        traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01",
    )  # fmt: skip
    assert decode_change(json.loads(json.dumps(encode_change(change)))) == change


def test_a_record_without_its_change_is_refused_with_a_code() -> None:
    with pytest.raises(HeldChangeUnreadable):
        decode_change(None)
    with pytest.raises(HeldChangeUnreadable):
        decode_change({"table": "public.t", "op": "nope"})
