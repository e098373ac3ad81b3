"""Every unit's resolution and territory, computed once from the dataset, looked up by code.

Built eagerly in one pass (about 14,000 units, a fraction of a second) so that the per-event
path is dictionary lookups and set tests only.

Territory is counted in current communes: a current commune is itself, a pre-merger commune
or district the current communes it went to, a pre-merger province every current commune any
of its communes went to. That is what lets ``within`` compare units of different eras.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from schemas.admin_units._dataset import Dataset
from schemas.admin_units._model import LEVEL_RANK, Era, Level, Resolution, Unit


class UnitIndex:
    """Resolutions by (era, code), with the territory and pre-merger lineage ``within`` needs."""

    def __init__(self, dataset: Dataset) -> None:
        self.units: dict[tuple[Era, str], Unit] = {(unit.era, unit.code): unit for unit in dataset.units}
        self._province_successors = dataset.province_successors
        self._successors = _with_districts(dataset.successors, self.units.values())
        self.resolutions = {key: self._resolve(unit) for key, unit in self.units.items()}
        self._territory = _territories(self._successors, self.units.values())

    def _resolve(self, unit: Unit) -> Resolution:
        if unit.era is Era.CURRENT:
            return Resolution(unit, unit, self.units[Era.CURRENT, unit.province_code], False, (), False)
        province = self.units[Era.CURRENT, self._province_successors[unit.province_code]]
        if unit.level is Level.PROVINCE:
            return Resolution(unit, province, province, False, (), province.code != unit.code)
        successors = tuple(self.units[Era.CURRENT, code] for code in self._successors[unit.code])
        if len(successors) == 1:
            return Resolution(unit, successors[0], province, False, (), successors[0].code != unit.code)
        return Resolution(unit, None, province, True, successors, True)

    def within(self, unit: Unit, area: Unit) -> bool:
        """Whether ``unit`` lies (at least partly) inside ``area``; see ``Normaliser.contains``."""
        if LEVEL_RANK[unit.level] < LEVEL_RANK[area.level]:
            return False
        if unit.era is Era.LEGACY and area.era is Era.LEGACY:
            return area.code in (unit.code, unit.district_code, unit.province_code)
        if unit.level is Level.PROVINCE or (area.level is Level.PROVINCE and area.era is Era.CURRENT):
            return self._province(unit) == self._province(area)
        return not self._territory[unit.era, unit.code].isdisjoint(self._territory[area.era, area.code])

    def territory(self, unit: Unit) -> frozenset[str]:
        """The current communes ``unit`` covers (all of them for a current province)."""
        if unit.era is Era.CURRENT and unit.level is Level.PROVINCE:
            return frozenset(
                code for (era, code), known in self.units.items()
                if era is Era.CURRENT and known.level is Level.COMMUNE and known.province_code == unit.code
            )  # fmt: skip
        return self._territory[unit.era, unit.code]

    def _province(self, unit: Unit) -> str:
        return self.resolutions[unit.era, unit.code].province.code


def _with_districts(
    successors: Mapping[str, tuple[str, ...]], units: Iterable[Unit]
) -> dict[str, tuple[str, ...]]:
    """Adds each pre-merger district: the successors of its communes, in order, without repeats.

    The island districts, which had no commune, are already in the dataset's mapping.
    """
    found: dict[str, dict[str, None]] = defaultdict(dict)
    for unit in units:
        if unit.era is Era.LEGACY and unit.district_code is not None:
            found[unit.district_code].update(dict.fromkeys(successors[unit.code]))
    return {**{district: tuple(codes) for district, codes in found.items()}, **successors}


def _territories(
    successors: Mapping[str, tuple[str, ...]], units: Iterable[Unit]
) -> dict[tuple[Era, str], frozenset[str]]:
    """Current communes covered by each commune and district (either era) and pre-merger province."""
    territory: dict[tuple[Era, str], frozenset[str]] = {}
    by_province: dict[str, set[str]] = defaultdict(set)
    for unit in units:
        if unit.era is Era.CURRENT and unit.level is Level.COMMUNE:
            territory[unit.era, unit.code] = frozenset((unit.code,))
        elif unit.era is Era.LEGACY and unit.level is not Level.PROVINCE:
            territory[unit.era, unit.code] = frozenset(successors[unit.code])
            by_province[unit.province_code].update(successors[unit.code])
    territory.update(((Era.LEGACY, code), frozenset(codes)) for code, codes in by_province.items())
    return territory
