"""The quarantine record stays under Kafka's limit whatever the change: whole when it fits, then
without the event's data, then without the row (its size and digest kept), and never larger than
a few KiB once bounded, even with a huge key, reason or details (no server needed)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from connectors.held_change import decode_change, encode_change
from connectors.quarantine_record import MAX_RECORD_BYTES, RowNotKept, not_kept, quarantine_message, size_of
from connectors.source import Change
from schemas.errors import InvalidInput
from schemas.events import ChangeEvent, ChangePayload, Op, SourceInfo

MB = 1_000_000


class Broken(InvalidInput):
    code = "test_broken"


def change(owner: str, key: str = "7") -> Change:
    return Change(
        "public.parcel", Op.CREATE, {"id": key}, None, {"id": key, "owner": owner}, position="0/A:1"
    )


def event_of(held: Change) -> ChangeEvent:
    source = SourceInfo(connector="c", database="d", schema="public", table="parcel", position=held.position)
    payload = ChangePayload(op=held.op, after=held.after, source=source)
    return ChangeEvent(
        id="e-1", source="/connectors/c/public.parcel", type="vn.gov.land.parcel.v1",
        subject=str(held.key["id"]), time=datetime(2026, 12, 6, tzinfo=UTC), data=payload,
    )  # fmt: skip


def body(held: Change, error: InvalidInput, *, with_event: bool = True) -> tuple[int, dict[str, Any]]:
    event = event_of(held)
    structured = {"id": event.id, "data": event.data.model_dump(mode="json")} if with_event else None
    message = quarantine_message(event, error, held, structured=structured)
    return size_of(message), json.loads(message.value)


def test_a_record_that_fits_is_written_whole() -> None:
    held = change("small")
    _, found = body(held, Broken("bad owner", details={"column": "owner"}))
    assert set(found) == {"reason", "event", "change"}
    assert found["reason"] == {"code": "test_broken", "message": "bad owner", "details": {"column": "owner"}}
    assert found["event"]["data"]["after"]["owner"] == "small"
    assert decode_change(found["change"]) == held
    assert not_kept(found) is None


def test_a_row_that_fits_alone_is_kept_without_the_events_data() -> None:
    held = change("x" * 600_000)  # event and change together are over the limit
    size, found = body(held, Broken("bad owner"))
    assert size <= MAX_RECORD_BYTES
    assert found["event"] == {"id": "e-1", "type": "vn.gov.land.parcel.v1",
                              "source": "/connectors/c/public.parcel", "subject": "7"}  # fmt: skip
    assert decode_change(found["change"]) == held
    assert found["held"]["row_kept"] is True and not_kept(found) is None


def test_a_row_too_large_keeps_its_key_position_size_and_digest_only() -> None:
    held = change("y" * (5 * MB))
    size, found = body(held, Broken("bad owner"), with_event=False)
    document = json.dumps(
        encode_change(held), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()
    assert size < 10_000 and "change" not in found
    assert found["held"] == {
        "table": "public.parcel", "op": "c", "key": {"id": "7"}, "position": "0/A:1", "txid": None,
        "size_bytes": len(document), "sha256": hashlib.sha256(document).hexdigest(), "row_kept": False,
    }  # fmt: skip
    blocked = not_kept(found)
    assert isinstance(blocked, RowNotKept) and blocked.code == "held_row_not_kept"
    assert "cannot be republished" in blocked.message and blocked.details["position"] == "0/A:1"


def test_a_bounded_record_stays_small_with_a_huge_key_reason_and_details() -> None:
    held = change("z" * (3 * MB), key="k" * MB)
    error = Broken("m" * MB, details={"value": "v" * MB})
    size, found = body(held, error)
    assert size < 20_000
    assert found["reason"]["details"] == {"clipped": True, "size_bytes": MB + 12}
    assert found["reason"]["message"].startswith("mmm") and "sha256" in found["reason"]["message"]
    assert "sha256" in found["held"]["key"] and "sha256" in found["event"]["subject"]
