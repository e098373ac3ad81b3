"""Re-homing selector: under the merge fixture (two Thái Nguyên communes into one of Tuyên Quang), the
old province hears move-outs, the new one gets the records, at province and at ward level."""

from __future__ import annotations

import pytest

from hub.routing.rehome import rehome_selector, rehome_selector_factory, rehomed_out_id
from hub.routing.selection import Selected
from hub.subscriptions.model import SubscriptionSpec
from schemas.admin_units import VersionedUnits, shipped_units
from schemas.errors import InvalidInput
from schemas.events import ChangeEvent, Op
from tests.fixtures.admin_units.versions import merged_units
from tests.hub.routing.events import change, subscription

TOPIC = "gov.civil-status.birth.v1"
MERGED, TARGET, UNTOUCHED = "01849", "00700", "01840"  # 01849 (19) -> 00700 (08); 01840 stays in 19
LEGACY_OF_MERGED = "01984"  # pre-merger Xã Đôn Phong, now 01849


@pytest.fixture(scope="module")
def old() -> VersionedUnits:
    return shipped_units()


@pytest.fixture(scope="module")
def new() -> VersionedUnits:
    return merged_units()


def record(unit: str, op: Op = Op.UPDATE, **extra: str) -> ChangeEvent:
    return change(op=op, after={"commune_code": unit}, adminunit=unit).model_copy(update=extra)


def select(spec: SubscriptionSpec, event: ChangeEvent, old: VersionedUnits, new: VersionedUnits) -> Selected:
    return rehome_selector(spec, old, new)(event, TOPIC)


def test_the_old_province_hears_a_move_out(old: VersionedUnits, new: VersionedUnits) -> None:
    event = record(MERGED)
    chosen = select(subscription(admin_units=["19"]), event, old, new)
    out = chosen.event
    assert out is not None and "leaves the scope under 2026.01" in chosen.reason
    assert out.id == rehomed_out_id(event.id, "2026.01") != event.id
    assert out.data.op is Op.DELETE and out.data.after is None
    assert out.data.moved is not None and (out.data.moved.from_unit, out.data.moved.to_unit) == (
        MERGED,
        TARGET,
    )
    assert (out.adminunit, out.adminunitprev, out.adminunitversion) == (MERGED, None, "2026.01")
    assert select(subscription(admin_units=["19"]), event, old, new) == chosen  # a re-run: same bytes


def test_a_filter_on_the_merged_commune_follows_it_to_its_successor(
    old: VersionedUnits, new: VersionedUnits
) -> None:
    chosen = select(subscription(admin_units=[MERGED]), record(MERGED), old, new)
    assert chosen.event is None and "scope unchanged" in chosen.reason
    already_there = record(TARGET)
    assert select(subscription(admin_units=[MERGED]), already_there, old, new).event == already_there


@pytest.mark.parametrize("area", ["08", TARGET])
@pytest.mark.parametrize("unit", [MERGED, LEGACY_OF_MERGED])
def test_the_new_scope_gets_the_record(
    old: VersionedUnits, new: VersionedUnits, area: str, unit: str
) -> None:
    event = record(unit)
    chosen = select(subscription(admin_units=[area]), event, old, new)
    assert chosen.event == event and "enters the scope under 2026.01" in chosen.reason


def test_a_legacy_code_leaves_the_old_province_too(old: VersionedUnits, new: VersionedUnits) -> None:
    out = select(subscription(admin_units=["19"]), record(LEGACY_OF_MERGED), old, new).event
    assert out is not None and out.data.moved is not None and out.data.moved.to_unit == TARGET


@pytest.mark.parametrize(
    ("spec", "unit"),
    [
        (subscription(), MERGED),  # no admin-unit filter: held before and after
        (subscription(admin_units=["19"]), UNTOUCHED),  # stays in 19
        (subscription(admin_units=["08"]), UNTOUCHED),  # never in 08
        (subscription(admin_units=["01"]), MERGED),  # neither province
        (subscription(feeds=["vn.gov.land.*"], admin_units=["08"]), MERGED),  # another feed
    ],
)
def test_records_whose_scope_does_not_change_are_skipped(
    old: VersionedUnits, new: VersionedUnits, spec: SubscriptionSpec, unit: str
) -> None:
    assert select(spec, record(unit), old, new).event is None


def test_a_deleted_record_is_skipped(old: VersionedUnits, new: VersionedUnits) -> None:
    chosen = select(subscription(admin_units=["08"]), record(MERGED, Op.DELETE), old, new)
    assert chosen.event is None and "deleted" in chosen.reason


def test_a_record_only_moved_out_of_the_scope_was_not_held(old: VersionedUnits, new: VersionedUnits) -> None:
    moved_in_19 = record("00004", adminunitprev=UNTOUCHED)  # left 19 for Hà Nội before the new version
    assert select(subscription(admin_units=["19"]), moved_in_19, old, new).event is None


def test_a_rehoming_back_to_the_old_version_reverses_it(old: VersionedUnits, new: VersionedUnits) -> None:
    event = record(MERGED)
    assert select(subscription(admin_units=["19"]), event, new, old).event == event
    out = select(subscription(admin_units=["08"]), event, new, old).event
    assert out is not None and out.data.moved is not None
    assert (out.data.moved.from_unit, out.data.moved.to_unit) == (TARGET, MERGED)


def test_the_job_kind_factory_builds_the_selector_from_the_jobs_params(
    old: VersionedUnits, new: VersionedUnits
) -> None:
    factory = rehome_selector_factory({"2025.07": old, "2026.01": new}.__getitem__)
    params = {"from_version": "2025.07", "to_version": "2026.01"}
    select_for = factory(subscription(admin_units=["08"]), old, params)
    event = record(MERGED)
    assert select_for(event, TOPIC).event == event
    with pytest.raises(InvalidInput, match="from_version and to_version"):
        factory(subscription(admin_units=["08"]), old, {"from_version": "2025.07"})
