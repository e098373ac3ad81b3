"""Resolving codes of either era to today's units, on real units of the 2025 merger."""

from __future__ import annotations

import pytest

from schemas.admin_units import Era, Level, Normaliser
from schemas.admin_units._dataset import Dataset
from schemas.errors import UnknownAdminUnit


def test_a_merged_province_resolves_to_the_province_that_absorbed_it(units: Normaliser) -> None:
    ha_giang = units.resolve("02")
    assert (ha_giang.original.name, ha_giang.original.era) == ("Tỉnh Hà Giang", Era.LEGACY)
    assert ha_giang.current is not None
    assert (ha_giang.current.code, ha_giang.current.name) == ("08", "Tỉnh Tuyên Quang")
    assert ha_giang.province == ha_giang.current
    assert ha_giang.changed and not ha_giang.ambiguous and ha_giang.candidates == ()

    bac_kan = units.resolve("06")
    assert bac_kan.current is not None and bac_kan.current.name == "Tỉnh Thái Nguyên"
    assert bac_kan.changed


def test_a_current_province_code_resolves_to_itself_unchanged(units: Normaliser) -> None:
    tuyen_quang = units.resolve("08")
    assert tuyen_quang.original == tuyen_quang.current == tuyen_quang.province
    assert tuyen_quang.original.era is Era.CURRENT
    assert not tuyen_quang.changed and not tuyen_quang.ambiguous


def test_a_province_that_kept_its_code_is_unchanged_even_read_as_pre_merger(units: Normaliser) -> None:
    old_tuyen_quang = units.resolve("08", era=Era.LEGACY)
    assert old_tuyen_quang.original.era is Era.LEGACY
    assert old_tuyen_quang.current == units.resolve("08").current
    assert not old_tuyen_quang.changed


def test_a_pre_merger_commune_resolves_to_the_commune_it_merged_into(units: Normaliser) -> None:
    ngoc_ha = units.resolve("00692")  # Phường Ngọc Hà, Hà Giang: no current unit has this code
    assert (ngoc_ha.original.name, ngoc_ha.original.district_code) == ("Phường Ngọc Hà", "024")
    assert ngoc_ha.current is not None
    assert (ngoc_ha.current.code, ngoc_ha.current.name) == ("00691", "Phường Hà Giang 2")
    assert ngoc_ha.province.name == "Tỉnh Tuyên Quang"
    assert ngoc_ha.changed and not ngoc_ha.ambiguous


def test_a_split_commune_is_ambiguous_with_its_candidates_and_a_known_province(units: Normaliser) -> None:
    quang_trung = units.resolve("00688")  # Phường Quang Trung, Hà Giang, divided in 2025
    assert quang_trung.original.name == "Phường Quang Trung"
    assert quang_trung.ambiguous and quang_trung.current is None and quang_trung.changed
    assert [unit.name for unit in quang_trung.candidates] == ["Phường Hà Giang 2", "Phường Hà Giang 1"]
    assert all(unit.era is Era.CURRENT and unit.level is Level.COMMUNE for unit in quang_trung.candidates)
    assert quang_trung.province.code == "08"


def test_a_code_of_both_eras_reads_as_current_unless_told(units: Normaliser) -> None:
    assert units.resolve("00577").original.name == "Xã Bát Tràng"  # today's, formed around Đa Tốn's code
    bat_trang = units.resolve("00583")  # only a pre-merger code: the old Xã Bát Tràng, split three ways
    assert bat_trang.ambiguous
    assert bat_trang.candidates[0].code == "00577"  # the dataset's default successor comes first
    da_ton = units.resolve("00577", era=Era.LEGACY)
    assert da_ton.original.name == "Xã Đa Tốn" and da_ton.ambiguous
    assert units.resolve("00577").original in da_ton.candidates  # a shared code always leads to its unit


def test_a_pre_merger_district_covers_its_communes_successors(units: Normaliser) -> None:
    city = units.resolve("024")  # Thành phố Hà Giang
    assert city.original.level is Level.DISTRICT and city.ambiguous and city.current is None
    assert [unit.code for unit in city.candidates] == ["00691", "00694", "00700"]
    island = units.resolve("318")  # Huyện Bạch Long Vĩ, which had no commune, is now a special zone
    assert (
        island.current is not None and island.current.name == "Đặc khu Bạch Long Vĩ" and not island.ambiguous
    )


@pytest.mark.parametrize(("given", "code"), [("2", "02"), ("8", "08"), ("2269", "02269"), (" 08 ", "08")])
def test_a_code_that_lost_its_leading_zero_is_restored_by_its_width(
    units: Normaliser, given: str, code: str
) -> None:
    assert units.resolve(given).original.code == code


@pytest.mark.parametrize("given", ["99999", "03", "000", "123456"])
def test_an_unknown_code_is_a_clear_error(units: Normaliser, given: str) -> None:
    with pytest.raises(
        UnknownAdminUnit, match=f"unknown administrative unit '{given}': no administrative unit has this code"
    ) as caught:
        units.resolve(given)
    assert caught.value.code == "unknown_admin_unit"
    assert caught.value.to_problem()["status"] == 422


def test_a_code_read_in_the_wrong_era_is_unknown(units: Normaliser) -> None:
    with pytest.raises(UnknownAdminUnit):
        units.resolve("02", era=Era.CURRENT)


def test_every_unit_of_either_era_resolves_within_one_current_province(
    units: Normaliser, dataset: Dataset
) -> None:
    for unit in dataset.units:
        found = units.resolve(unit.code, era=unit.era)
        assert found.original == unit
        assert found.province.era is Era.CURRENT and found.province.level is Level.PROVINCE
        today = [found.current] if found.current else list(found.candidates)
        assert today and all(successor.era is Era.CURRENT for successor in today), unit
        assert {successor.province_code for successor in today} == {found.province.code}, unit
        assert found.ambiguous == (found.current is None) == (len(found.candidates) > 1), unit


def test_a_code_shared_by_both_eras_leads_from_the_old_unit_to_the_new(
    units: Normaliser, dataset: Dataset
) -> None:
    """Why reading a bare code as current first is safe: the old unit went (partly) to the new one."""
    current = {unit.code for unit in dataset.units if unit.era is Era.CURRENT}
    shared = [unit for unit in dataset.units if unit.era is Era.LEGACY and unit.code in current]
    assert len(shared) > 3000
    for old in shared:
        found = units.resolve(old.code, era=Era.LEGACY)
        assert old.code in {
            successor.code for successor in (found.current, *found.candidates) if successor
        }, old
