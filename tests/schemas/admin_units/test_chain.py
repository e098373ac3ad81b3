"""The versions chain as routing's index: codes of every version and era carried to the newest one."""

from __future__ import annotations

import pytest

from schemas.admin_units import Level, Normaliser, VersionedUnits, default_normaliser, shipped_units
from schemas.errors import UnknownAdminUnit
from tests.fixtures.admin_units.versions import merged_units

MERGED = ("01849", "01864")  # Thái Nguyên (19) communes merged into Xã Ngọc Đường (00700, Tuyên Quang 08)
TARGET, FROM, TO = "00700", "19", "08"
LEGACY_OF_MERGED = "01984"  # pre-merger Xã Đôn Phong (Bắc Kạn), went to 01849 (checked below)


@pytest.fixture(scope="module")
def new() -> VersionedUnits:
    return merged_units()


def test_a_pre_merger_code_used_below_went_to_a_merged_commune(units: Normaliser) -> None:
    found = units.resolve(LEGACY_OF_MERGED)
    assert found.original.era == "legacy" and found.current is not None and found.current.code == "01849"


@pytest.mark.parametrize(
    ("area", "unit"),
    [
        ("08", "00700"),
        ("19", "01840"),
        ("01", "00097"),
        ("00700", "00700"),
        ("02", "001"),
        ("19", "01984"),
        ("06", "01984"),
        ("06", "01849"),
    ],
)
def test_the_shipped_chain_answers_as_the_normaliser(units: Normaliser, area: str, unit: str) -> None:
    assert shipped_units().contains(area, unit) == units.contains(area, unit)


@pytest.mark.parametrize("code", [*MERGED, LEGACY_OF_MERGED])
def test_merged_communes_now_lie_in_the_other_province(new: VersionedUnits, code: str) -> None:
    assert new.contains(TO, code) and not new.contains(FROM, code)
    assert new.contains(TARGET, code)  # ward level: the commune they merged into
    assert shipped_units().contains(FROM, code) and not shipped_units().contains(TO, code)


def test_the_rest_of_both_provinces_is_unchanged(new: VersionedUnits) -> None:
    assert new.contains(FROM, "01840") and new.contains(TO, TARGET) and not new.contains(TO, "01840")


def test_a_filter_on_a_code_that_is_gone_covers_its_successor(new: VersionedUnits) -> None:
    assert new.contains("01849", TARGET) and new.contains("01849", "01864")
    assert not new.contains("01849", "01840")


def test_coarser_units_are_not_within_finer_filters(new: VersionedUnits) -> None:
    assert not new.contains(TARGET, TO)


def test_places_and_current_codes(new: VersionedUnits) -> None:
    place = new.place("01849")
    assert (place.level, place.territory, place.province, place.newest) == (
        Level.COMMUNE,
        (TARGET,),
        TO,
        False,
    )
    assert new.current_code("01849") == TARGET and new.current_code("19") == FROM
    assert new.place(TARGET).newest and new.version == "2026.01" and new.versions == ("2025.07", "2026.01")


def test_an_unknown_code_is_an_unknown_unit(new: VersionedUnits) -> None:
    with pytest.raises(UnknownAdminUnit):
        new.contains(TO, "99999")


def test_resolution_and_truncation_keep_the_shipped_reading(new: VersionedUnits) -> None:
    assert new.resolve("01849").original.code == default_normaliser().resolve("01849").original.code
    assert new.truncated("2025.07").version == "2025.07"
    assert not new.truncated("2025.07").contains(TO, "01849")
