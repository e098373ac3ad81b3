"""Listing units of one era and level, as synthetic-data generators need."""

from __future__ import annotations

from schemas.admin_units import Era, Level, default_normaliser


def test_lists_real_units_by_era_level_and_province() -> None:
    normaliser = default_normaliser()
    assert len(normaliser.units(Era.CURRENT, Level.PROVINCE)) == 34
    assert len(normaliser.units(Era.LEGACY, Level.PROVINCE)) == 63
    ha_giang = normaliser.units(Era.LEGACY, Level.COMMUNE, province="02")
    assert ha_giang
    assert all(u.province_code == "02" and u.era is Era.LEGACY for u in ha_giang)
    # every pre-merger Hà Giang commune lies in today's Tuyên Quang (08)
    assert {normaliser.resolve(u.code, era=Era.LEGACY).province.code for u in ha_giang} == {"08"}
