"""The administrative-unit normaliser: any code or name, of either era, to today's unit.

Connectors stamp events with the current unit (and the pre-merger one they read); the hub
routes on ``contains`` for every event and every subscription. Both must be cheap, so the
index is built once per process, on first use, and shared; results are cached per input.

Codes are tried in the current era first, then the pre-merger one. That order is safe: a
current code is always the code of one of the pre-merger units it absorbed, and in the data
every pre-merger code that is also a current code went (at least partly) to that same current
unit. Pass ``era`` to read a code as pre-merger when its source is known to be.
"""

from __future__ import annotations

import functools
from typing import Protocol

from schemas.admin_units._dataset import load
from schemas.admin_units._errors import AmbiguousAdminUnit, unknown
from schemas.admin_units._index import UnitIndex
from schemas.admin_units._model import Era, Level, Resolution, Unit
from schemas.admin_units._names import NameIndex
from schemas.admin_units._versions import SHIPPED_VERSION
from schemas.errors import UnknownAdminUnit

_CACHED_INPUTS = 65_536
_ERAS = (Era.CURRENT, Era.LEGACY)
# Code widths: a province has 2 digits, a district 3, a commune 5; an integer column loses the
# leading zero, which is restored where the width says unambiguously which level is meant.
_PADDED_WIDTH = {1: 2, 4: 5}


class AdminUnitResolver(Protocol):
    """What the publisher and registration need from a ``Normaliser``: today's unit for a code or
    name of either era, raising ``UnknownAdminUnit`` (or ``AmbiguousAdminUnit``) for input that
    names no one unit. A seam, so tests can answer with a fixed table."""

    def resolve(self, code_or_name: str) -> Resolution: ...

    @property
    def version(self) -> str:
        """The administrative-units version the answers follow (stamped as ``adminunitversion``)."""
        ...

    def split_candidates(self, code: str) -> tuple[str, ...]:
        """The current communes a split pre-merger commune code may now be; () when not split."""
        ...


class _Indexes:
    """The code and name indexes over one dataset: built together, read-only after."""

    def __init__(self) -> None:
        dataset = load()
        self.dataset = dataset
        self.units = UnitIndex(dataset)
        self.names = NameIndex(dataset.units, dataset.aliases)


@functools.cache
def _indexes() -> _Indexes:
    return _Indexes()


class Normaliser:
    """Resolves administrative units and answers routing's "is this unit within that one?".

    Construction is free; the first call builds the shared index (a fraction of a second).
    It answers by the shipped boundaries, ``version``; ``VersionedUnits`` carries them forward.
    """

    @property
    def version(self) -> str:
        return SHIPPED_VERSION

    def __init__(self) -> None:
        self._cached = functools.lru_cache(maxsize=_CACHED_INPUTS)(self._resolve)

    def resolve(
        self, code_or_name: str, *, province: str | None = None, era: Era | None = None
    ) -> Resolution:
        """What ``code_or_name`` means today.

        A name (accents, case and the type word optional) must fit one unit; when it fits units
        in several provinces, ``province`` (a code or name of either era) chooses. ``era``
        restricts the reading to one era. Raises ``UnknownAdminUnit`` for an input that names
        no unit, and its ``AmbiguousAdminUnit`` refinement for a name that fits several.
        """
        return self._cached(code_or_name.strip(), province, era)

    def split_candidates(self, code: str) -> tuple[str, ...]:
        """The current communes a pre-merger commune split between several may now be, default first.

        Also when the old code is a current code too: ``resolve`` reads such a code as the current
        unit (the safe reading of its identity), but a record may carry it from before the merger,
        so whoever holds any of its successors may need it. () for any other code.
        """
        given = code.strip()
        if not given.isdigit():
            return ()
        try:
            found = self.resolve(given, era=Era.LEGACY)
        except UnknownAdminUnit:
            return ()
        if found.original.level is not Level.COMMUNE or len(found.candidates) < 2:
            return ()
        return tuple(unit.code for unit in found.candidates)

    def units(self, era: Era, level: Level, province: str | None = None) -> list[Unit]:
        """Every unit of one era and level, optionally within one province of that era.

        For callers that need real units to pick from (synthetic data, pickers in a UI).
        """
        return [
            unit
            for unit in _indexes().dataset.units
            if unit.era is era and unit.level is level and province in (None, unit.province_code)
        ]

    def contains(self, filter_code: str, unit_code: str) -> bool:
        """Whether ``unit_code`` lies within ``filter_code``: the routing test for a subscription's filter.

        Either may be current or pre-merger. A unit coarser than the filter is never within it
        (a province-wide event does not reach a commune's subscription). Between two pre-merger
        units the old hierarchy decides, exactly. Otherwise territory in current communes
        decides, and it is enough that the unit *may* lie in the filter:

        - a current province covers every unit, of either era, now in it;
        - a pre-merger province covers the current communes that took (part of) one of its
          communes, not the rest of the province it merged into; a province-level code that
          is not its own (an event stamped only with the current province) counts as within
          when that province is its successor, since which part it concerns is unknown;
        - a pre-merger commune split between current communes lies within each of them.

        Over-delivery on a split is the choice: the event carries both codes, so the portal
        can tell, while a silent miss could not be noticed by anyone.
        """
        area = self.resolve(filter_code).original
        unit = self.resolve(unit_code).original
        return _indexes().units.within(unit, area)

    def territory(self, unit: Unit) -> frozenset[str]:
        """The current communes ``unit`` (either era) covers: what a newer boundaries version carries
        forward (``_chain``)."""
        return _indexes().units.territory(unit)

    def _resolve(self, given: str, province: str | None, era: Era | None) -> Resolution:
        index = _indexes().units
        if given.isdigit():
            code = given.zfill(_PADDED_WIDTH.get(len(given), len(given)))
            for candidate_era in (era,) if era else _ERAS:
                if (found := index.resolutions.get((candidate_era, code))) is not None:
                    return found
            raise unknown(given, "no administrative unit has this code")
        return index.resolutions[self._by_name(given, province, era)]

    def _by_name(self, given: str, province: str | None, era: Era | None) -> tuple[Era, str]:
        region = self._region(province)

        def keep(unit: Unit) -> bool:
            return (era is None or unit.era is era) and (region is None or _in_region(unit, region))

        units = _indexes().names.find(given, keep)
        if not units:
            where = f" in province {province!r}" if province else ""
            raise unknown(given, f"no administrative unit{where} has this name")
        if len(units) > 1:
            raise AmbiguousAdminUnit(given, units)
        return units[0].era, units[0].code

    def _region(self, province: str | None) -> tuple[Unit, str] | None:
        """The hint's province as given (either era) and its current code."""
        if province is None:
            return None
        hint = self.resolve(province)
        if hint.original.level is not Level.PROVINCE:
            raise unknown(province, f"the province hint names {hint.original.name}, which is not a province")
        return hint.original, hint.province.code


def _in_region(unit: Unit, region: tuple[Unit, str]) -> bool:
    """Within the hinted province: the same province of the same era, else the same current one."""
    hint, current_code = region
    if hint.era is unit.era:
        return unit.province_code == hint.province_code
    return _indexes().units.resolutions[unit.era, unit.code].province.code == current_code


@functools.cache
def default_normaliser() -> Normaliser:
    """The process's shared normaliser (one cache for every caller)."""
    return Normaliser()
