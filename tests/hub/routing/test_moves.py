"""Moves and split communes in routing: the unit a record left hears it moved (without the record),
the new unit gets the change, and every successor of a split commune gets its events."""

from __future__ import annotations

import uuid

import pytest

from hub.routing import decide
from hub.routing.moves import moved_out, moved_out_id
from schemas.admin_units import Normaliser, default_normaliser
from schemas.events import ChangeEvent, Op
from tests.hub.routing.events import change, subscription

HANOI, CAN_THO = "00004", "31120"  # Phường Ba Đình (Hà Nội 01), Phường Cái Khế (Cần Thơ 92)
ROW = {"commune_code": CAN_THO, "full_name": "Nguyễn Văn An"}


@pytest.fixture(scope="module")
def units() -> Normaliser:
    return default_normaliser()


def moved() -> ChangeEvent:
    event = change(op=Op.UPDATE, after=ROW, adminunit=CAN_THO)
    return event.model_copy(
        update={"adminunitprev": HANOI, "traceparent": "00-" + "1" * 32 + "-" + "2" * 16 + "-01"}
    )


def test_the_unit_left_gets_a_move_out_the_new_one_the_change_a_national_one_the_change(
    units: Normaliser,
) -> None:
    left = decide(moved(), subscription(admin_units=["01"]), units)
    assert left.matched and left.moved_out and "moved out of 00004 to 31120" in left.reason
    arrived = decide(moved(), subscription(admin_units=["92"]), units)
    assert arrived.matched and not arrived.moved_out
    national = decide(moved(), subscription(), units)
    assert national.matched and not national.moved_out
    assert not decide(moved(), subscription(admin_units=["19"]), units).matched


def test_a_move_within_the_subscribers_scope_is_a_plain_change(units: Normaliser) -> None:
    event = moved().model_copy(update={"adminunitprev": "00008"})  # Ba Đình's neighbour, also Hà Nội
    decision = decide(event.model_copy(update={"adminunit": HANOI}), subscription(admin_units=["01"]), units)
    assert decision.matched and not decision.moved_out


def test_the_move_out_carries_no_record_and_says_where_it_went() -> None:
    original = moved()
    derived = moved_out(original)
    assert derived.id == moved_out_id(original.id) == str(uuid.UUID(derived.id))
    assert derived.id != original.id and moved_out(original).id == derived.id  # redeliveries: one id
    assert (derived.type, derived.subject, derived.traceparent) == (
        original.type, original.subject, original.traceparent,
    )  # fmt: skip
    assert (derived.adminunit, derived.adminunitprev) == (HANOI, None)
    data = derived.data.model_dump(mode="json", by_alias=True)
    assert data["op"] == "d" and data["before"] is None and data["after"] is None
    assert data["moved"] == {"from": HANOI, "to": CAN_THO}


def test_an_event_without_a_previous_unit_has_no_move_out() -> None:
    with pytest.raises(ValueError, match="did not move"):
        moved_out(change(adminunit=HANOI))


def test_a_split_commune_reaches_every_successor_and_its_province_once(units: Normaliser) -> None:
    event = change(adminunit="00070").model_copy(update={"adminunitcandidates": "00070,00082"})
    assert decide(event, subscription(admin_units=["00070"]), units).matched
    other = decide(event, subscription(admin_units=["00082"]), units)
    assert other.matched and "'00082' within '00082'" in other.reason
    assert decide(event, subscription(admin_units=["01"]), units).matched  # one decision: delivered once
    unflagged = change(adminunit="00070")
    assert not decide(unflagged, subscription(admin_units=["00082"]), units).matched
