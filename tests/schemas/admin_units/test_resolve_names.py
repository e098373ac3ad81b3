"""Resolving names: accents, case, spacing and type words optional; ambiguity reported, never guessed."""

from __future__ import annotations

import pytest

from schemas.admin_units import AmbiguousAdminUnit, Era, Normaliser
from schemas.errors import UnknownAdminUnit


@pytest.mark.parametrize(
    "given",
    ["Tỉnh Hà Giang", "Hà Giang", "ha giang", "HÀ GIANG", "hagiang", "  Tinh  Ha-Giang ", "tỉnh hà giang"],
)
def test_a_province_name_is_found_with_or_without_accents_and_type_word(
    units: Normaliser, given: str
) -> None:
    found = units.resolve(given)
    assert (found.original.code, found.original.era) == ("02", Era.LEGACY)
    assert found.province.name == "Tỉnh Tuyên Quang" and found.changed


@pytest.mark.parametrize(
    "given", ["Thành phố Hồ Chí Minh", "Hồ Chí Minh", "TP. Hồ Chí Minh", "TP.HCM", "tp hcm", "HCM"]
)
def test_abbreviations_and_the_datasets_aliases_are_understood(units: Normaliser, given: str) -> None:
    found = units.resolve(given)
    assert (found.original.code, found.original.era, found.changed) == ("79", Era.CURRENT, False)


@pytest.mark.parametrize("given", ["Xã Bát Tràng", "Bát Tràng", "bat trang", "xa bat trang", "X. Bát Tràng"])
def test_a_commune_name_means_todays_commune_before_the_old_one_of_that_name(
    units: Normaliser, given: str
) -> None:
    found = units.resolve(given)
    assert (found.original.code, found.original.era, found.changed) == ("00577", Era.CURRENT, False)


def test_the_old_unit_of_a_name_is_reached_by_asking_for_its_era(units: Normaliser) -> None:
    found = units.resolve("Xã Bát Tràng", era=Era.LEGACY)
    assert found.original.code == "00583" and found.ambiguous and found.province.code == "01"


def test_a_bare_name_means_the_coarser_unit_and_a_type_word_the_finer(units: Normaliser) -> None:
    assert units.resolve("Bắc Giang").original.name == "Tỉnh Bắc Giang"
    ward = units.resolve("Phường Bắc Giang")
    assert (ward.original.name, ward.original.era, ward.province.name) == (
        "Phường Bắc Giang",
        Era.CURRENT,
        "Tỉnh Bắc Ninh",
    )


def test_the_given_type_word_chooses_between_units_of_one_name(units: Normaliser) -> None:
    assert units.resolve("Thị trấn Yên Viên").original.code == "00526"
    assert units.resolve("TT Yên Viên").original.code == "00526"
    assert units.resolve("Xã Yên Viên").original.code == "00532"
    with pytest.raises(AmbiguousAdminUnit) as caught:
        units.resolve("Yên Viên")
    assert {candidate["code"] for candidate in caught.value.details["candidates"]} == {"00526", "00532"}


def test_a_district_name_resolves_to_its_successor_communes(units: Normaliser) -> None:
    for given in ("Quận 1", "Q.1", "q 1"):
        district = units.resolve(given, province="Hồ Chí Minh")
        assert district.original.code == "760" and district.ambiguous
        assert "Phường Sài Gòn" in {unit.name for unit in district.candidates}


def test_a_name_in_several_provinces_is_reported_with_every_candidate(units: Normaliser) -> None:
    with pytest.raises(AmbiguousAdminUnit, match="give a code, or a province hint") as caught:
        units.resolve("Phường Trần Hưng Đạo")
    assert caught.value.code == "ambiguous_admin_unit"
    assert isinstance(caught.value, UnknownAdminUnit)  # routing treats both alike
    assert {(c["code"], c["province_code"]) for c in caught.value.details["candidates"]} == {
        ("10570", "31"),
        ("12452", "33"),
    }


@pytest.mark.parametrize("hint", ["33", "Hưng Yên", "hung yen", "Tỉnh Hưng Yên"])
def test_a_province_hint_of_either_era_chooses(units: Normaliser, hint: str) -> None:
    found = units.resolve("Phường Trần Hưng Đạo", province=hint)
    assert (found.original.code, found.province.name) == ("12452", "Tỉnh Hưng Yên")


def test_a_pre_merger_province_hint_narrows_to_its_own_old_units(units: Normaliser) -> None:
    with pytest.raises(AmbiguousAdminUnit):  # an old Xã Tân Thành in Hà Giang and one in Tuyên Quang
        units.resolve("Xã Tân Thành", province="Tuyên Quang")
    found = units.resolve("Xã Tân Thành", province="Hà Giang")
    assert (found.original.code, found.original.province_code) == ("01162", "02")
    assert found.current is not None and found.current.name == "Xã Tân Quang" and found.changed


def test_an_accented_name_prefers_the_unit_it_spells_exactly(units: Normaliser) -> None:
    """Folding makes Tân Thành and Tân Thạnh one key; the accents the input carries decide."""
    assert units.resolve("Huyện Tân Thạnh").original.name == "Huyện Tân Thạnh"
    with pytest.raises(AmbiguousAdminUnit) as caught:
        units.resolve("Tân Thành")  # not Huyện Tân Thạnh, though folded it is the coarser match
    assert {candidate["name"] for candidate in caught.value.details["candidates"]} <= {
        "Xã Tân Thành",
        "Phường Tân Thành",
    }


@pytest.mark.parametrize("given", ["Xã Không Có", "", "   ", "Tỉnh", "Phường Hoàn Kiếm Mới"])
def test_an_unknown_name_is_a_clear_error(units: Normaliser, given: str) -> None:
    with pytest.raises(UnknownAdminUnit, match="no administrative unit has this name") as caught:
        units.resolve(given)
    assert caught.value.code == "unknown_admin_unit"


def test_a_name_absent_from_the_hinted_province_says_so(units: Normaliser) -> None:
    with pytest.raises(UnknownAdminUnit, match="no administrative unit in province 'Cao Bằng' has this name"):
        units.resolve("Bát Tràng", province="Cao Bằng")


def test_a_province_hint_must_name_a_province(units: Normaliser) -> None:
    with pytest.raises(UnknownAdminUnit, match="which is not a province"):
        units.resolve("Tân Thành", province="Phường Cửa Nam")
    with pytest.raises(UnknownAdminUnit):
        units.resolve("Tân Thành", province="Atlantis")
