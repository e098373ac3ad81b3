"""An outbox row becomes the change the application meant: its type, id, key and payload as written."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.outbox import REQUIRED_COLUMNS, MalformedOutboxRow, outbox_change
from schemas.events import Op

CREATED = datetime(2025, 7, 1, 8, tzinfo=UTC)
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def row(**overrides: Any) -> dict[str, Any]:
    return {
        "id": uuid.UUID(int=1),
        "aggregate_type": "land.parcel",
        "aggregate_id": "HN-0042",
        "event_type": "vn.gov.land.parcel-transferred.v1",
        "payload": {"parcel": "HN-0042", "to": "Nguyễn Văn A"},
        "created_at": CREATED,
        **overrides,
    }


def test_the_application_chooses_type_id_key_and_payload() -> None:
    change = outbox_change(row(traceparent=TRACEPARENT), position="0/16B3748", txid="731")
    assert change.op is Op.CREATE and change.before is None
    assert change.table == "land.parcel"
    assert change.key == {"aggregate_id": "HN-0042"}
    assert change.after == {"parcel": "HN-0042", "to": "Nguyễn Văn A"}
    assert change.event_type == "vn.gov.land.parcel-transferred.v1"
    assert change.event_id == "00000000-0000-0000-0000-000000000001"
    assert (change.position, change.txid, change.commit_time) == ("0/16B3748", "731", CREATED)
    assert change.traceparent == TRACEPARENT


@pytest.mark.parametrize("payload", ['{"parcel": "HN-0042"}', b'{"parcel": "HN-0042"}'])
def test_payloads_stored_as_text_are_parsed(payload: str | bytes) -> None:
    assert outbox_change(row(payload=payload), position="p").after == {"parcel": "HN-0042"}


def test_an_integer_id_is_the_event_id_as_text() -> None:
    assert outbox_change(row(id=42), position="p").event_id == "42"


def test_naive_created_at_gives_no_commit_time_unless_the_source_knows_it() -> None:
    naive = row(created_at=CREATED.replace(tzinfo=None))
    assert outbox_change(naive, position="p").commit_time is None
    assert outbox_change(naive, position="p", commit_time=CREATED).commit_time == CREATED


@pytest.mark.parametrize("traceparent", ["garbage", "", 7, "00-" + "0" * 10])
def test_a_bad_traceparent_is_dropped_not_fatal(traceparent: object) -> None:
    assert outbox_change(row(traceparent=traceparent), position="p").traceparent is None


@pytest.mark.parametrize("column", REQUIRED_COLUMNS)
def test_a_missing_column_is_a_malformed_row(column: str) -> None:
    with pytest.raises(MalformedOutboxRow) as caught:
        outbox_change(row(**{column: None}), position="p")
    assert column in caught.value.message and caught.value.code == "outbox_row_malformed"


@pytest.mark.parametrize("payload", ["{not json", "[1, 2]", "42", b"\xff"])
def test_a_payload_that_is_not_a_json_object_is_a_malformed_row(payload: str | bytes) -> None:
    with pytest.raises(MalformedOutboxRow) as caught:
        outbox_change(row(payload=payload), position="p")
    assert caught.value.details == {"row_id": "00000000-0000-0000-0000-000000000001"}
