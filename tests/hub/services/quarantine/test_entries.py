"""A quarantine record bounded without its row is still listed, saying why it cannot be
republished; republish refuses it with ``held_row_not_kept`` (no server needed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bus.records import Record
from connectors.quarantine_record import RowNotKept, quarantine_message
from connectors.source import Change
from hub.services.quarantine.entries import entry_of
from hub.services.quarantine.service import _held_change
from schemas.errors import ContractViolation, InvalidInput
from schemas.events import ChangeEvent, ChangePayload, Op, SourceInfo


class Broken(InvalidInput):
    code = "test_broken_entry"


def record(owner: str, error: InvalidInput | None = None) -> Record:
    held = Change("public.parcel", Op.CREATE, {"id": 7}, None, {"id": 7, "owner": owner}, position="0/A:1")
    source = SourceInfo(connector="c", database="d", schema="public", table="parcel", position="0/A:1")
    payload = ChangePayload(op=Op.CREATE, after=held.after, source=source)
    event = ChangeEvent(
        id="e-1", source="/connectors/c/public.parcel", type="vn.gov.land.parcel.v1", subject="7",
        time=datetime(2026, 12, 6, tzinfo=UTC), data=payload,
    )  # fmt: skip
    message = quarantine_message(event, error or Broken("too long"), held, structured=None)
    headers = tuple(message.headers)
    return Record("gov.land.parcel.v1.quarantine", 0, 3, message.key, message.value, headers)


def test_a_record_without_its_row_is_listed_as_not_republishable() -> None:
    entry = entry_of(record("x" * 2_000_000))
    assert (entry.code, entry.record_key, entry.connector, entry.republishable) == (
        "test_broken_entry",
        "7",
        "c",
        False,
    )
    assert entry.not_republishable is not None and "was not kept" in entry.not_republishable
    assert entry.bounded is not None and not entry.bounded.row_kept
    assert entry.bounded.position == "0/A:1" and entry.bounded.key == {"id": 7}
    assert entry.bounded.size_bytes is not None and entry.bounded.size_bytes > 2_000_000
    with pytest.raises(RowNotKept):
        _held_change(entry, record("x" * 2_000_000))


def test_a_bounded_record_that_kept_its_row_can_be_republished() -> None:
    found = record("small")
    entry = entry_of(found)
    assert entry.republishable and entry.not_republishable is None
    assert entry.bounded is not None and entry.bounded.row_kept
    assert _held_change(entry, found).change.after == {"id": 7, "owner": "small"}


def test_a_contract_violation_lists_its_violations_as_the_connector_recorded_them() -> None:
    violations = [
        {"row": "after", "field": "land_use_purpose", "message": "not one of the codes", "value": '"ZZZ"'}
    ]
    entry = entry_of(record("small", ContractViolation("breaks its contract", details=violations)))
    assert (entry.code, entry.details) == ("contract_violation", violations)
