"""Routing containment across the merger: which subscriptions' filters an event's unit falls within.

Units used (real, from the data): Hà Giang (02) merged into Tuyên Quang (08); its Thành phố Hà
Giang (024) held Phường Ngọc Hà (00692, now in Phường Hà Giang 2, 00691) and Phường Quang Trung
(00688, split between Hà Giang 2 and Hà Giang 1, 00694). Phường Minh Xuân (02215) came only
from old Tuyên Quang. Xã Hà Nam (10843, Hải Phòng) took communes of both Hải Dương (30) and
Hải Phòng (31).
"""

from __future__ import annotations

import pytest

from schemas.admin_units import Normaliser
from schemas.errors import UnknownAdminUnit


@pytest.mark.parametrize(
    "unit", ["08", "02", "024", "00692", "00688", "00691", "02215", "Thành phố Hà Giang"]
)
def test_a_current_province_covers_every_unit_now_in_it(units: Normaliser, unit: str) -> None:
    assert units.contains("08", unit)
    assert not units.contains("19", unit)


def test_a_current_commune_covers_itself_and_the_old_units_that_went_into_it(units: Normaliser) -> None:
    assert units.contains("00691", "00691")
    assert units.contains("00691", "00692")  # merged into it
    assert units.contains("00691", "00688") and units.contains("00694", "00688")  # split: may lie in either
    assert not units.contains("00700", "00688")
    assert not units.contains("00691", "00694")


def test_a_coarser_unit_is_never_within_a_finer_filter(units: Normaliser) -> None:
    assert not units.contains("00691", "08")  # a province-wide event does not reach a commune's feed
    assert not units.contains("00691", "024")  # nor does a whole old district
    assert not units.contains("024", "02")


def test_a_pre_merger_province_covers_only_the_current_communes_that_came_from_it(units: Normaliser) -> None:
    assert units.contains("02", "00691")
    assert units.contains("02", "00694")
    assert not units.contains("02", "02215")  # in today's Tuyên Quang, but from the old Tuyên Quang
    assert units.contains("30", "10843") and units.contains("31", "10843")  # took communes of both


def test_a_pre_merger_province_covers_its_successor_when_only_the_province_is_known(
    units: Normaliser,
) -> None:
    assert units.contains("02", "08")
    assert not units.contains("02", "19")


def test_between_pre_merger_units_the_old_hierarchy_decides(units: Normaliser) -> None:
    assert (
        units.contains("02", "00692") and units.contains("024", "00692") and units.contains("00692", "00692")
    )
    assert units.contains("02", "024")
    assert not units.contains("06", "00692")
    assert not units.contains("02", "06")


def test_a_pre_merger_district_covers_the_current_communes_it_went_to(units: Normaliser) -> None:
    assert units.contains("024", "00691") and units.contains("024", "00700")
    assert not units.contains("024", "02215")


def test_names_work_as_filters_too(units: Normaliser) -> None:
    assert units.contains("Tuyên Quang", "Thành phố Hà Giang")
    assert not units.contains("Tuyên Quang", "Phường Ngọc Hà")  # today's, in Hà Nội, not the old one
    assert units.contains("Hà Giang", "00691")


def test_an_unknown_code_on_either_side_is_an_error_routing_can_catch(units: Normaliser) -> None:
    with pytest.raises(UnknownAdminUnit):
        units.contains("08", "99999")
    with pytest.raises(UnknownAdminUnit):
        units.contains("98", "00691")
