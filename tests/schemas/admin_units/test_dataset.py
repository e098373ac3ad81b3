"""The dataset as loaded: both eras complete, every pre-merger unit mapped, the package never imported."""

from __future__ import annotations

import sys
from collections import Counter

import pytest

from schemas.admin_units import Era, Level, _dataset
from schemas.admin_units._dataset import PACKAGE, Dataset, load
from schemas.errors import ConfigurationError


def test_counts_are_those_of_the_two_systems(dataset: Dataset) -> None:
    counts = Counter((unit.era, unit.level) for unit in dataset.units)
    assert counts[Era.CURRENT, Level.PROVINCE] == 34
    assert counts[Era.CURRENT, Level.COMMUNE] == 3321
    assert counts[Era.LEGACY, Level.PROVINCE] == 63
    assert counts[Era.LEGACY, Level.DISTRICT] == 696
    assert counts[Era.LEGACY, Level.COMMUNE] == 10035
    assert Counter(
        unit.kind for unit in dataset.units if unit.era is Era.CURRENT and unit.level is Level.COMMUNE
    ) == {
        "Xã": 2621,
        "Phường": 687,
        "Đặc khu": 13,
    }


def test_codes_have_the_width_of_their_level(dataset: Dataset) -> None:
    widths = {Level.PROVINCE: 2, Level.DISTRICT: 3, Level.COMMUNE: 5}
    assert all(len(unit.code) == widths[unit.level] and unit.code.isdigit() for unit in dataset.units)


def test_every_pre_merger_province_went_to_one_current_province(dataset: Dataset) -> None:
    assert len(dataset.province_successors) == 63
    assert set(dataset.province_successors.values()) == {
        unit.code for unit in dataset.units if unit.era is Era.CURRENT and unit.level is Level.PROVINCE
    }
    assert dataset.province_successors["02"] == "08"  # Hà Giang -> Tuyên Quang
    assert dataset.province_successors["06"] == "19"  # Bắc Kạn -> Thái Nguyên
    # A current province keeps the code of one of the provinces it absorbed.
    assert all(dataset.province_successors[code] == code for code in dataset.province_successors.values())


def test_every_pre_merger_commune_went_to_current_communes_of_its_successor_province(
    dataset: Dataset,
) -> None:
    current = {unit.code: unit for unit in dataset.units if unit.era is Era.CURRENT}
    communes = [unit for unit in dataset.units if unit.era is Era.LEGACY and unit.level is Level.COMMUNE]
    for commune in communes:
        successors = dataset.successors[commune.code]
        assert successors, commune
        successor_province = dataset.province_successors[commune.province_code]
        assert {current[code].province_code for code in successors} == {successor_province}, commune
    assert sum(len(dataset.successors[commune.code]) > 1 for commune in communes) == 471


def test_the_package_is_read_not_imported(dataset: Dataset) -> None:
    """Importing it would pull in shapely and geopy and parse megabytes of JSON we do not use."""
    assert dataset.units
    assert PACKAGE not in sys.modules
    assert "shapely" not in sys.modules


def test_loading_twice_gives_the_same_data(dataset: Dataset) -> None:
    assert load() == dataset


def test_a_missing_package_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_dataset, "PACKAGE", "no_such_admin_units_package")
    with pytest.raises(ConfigurationError, match="no_such_admin_units_package"):
        _dataset.load()
