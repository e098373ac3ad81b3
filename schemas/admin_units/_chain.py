"""The chain of boundaries versions as one routing index: legacy -> 2025.07 -> each loaded version.

``VersionedUnits.contains`` answers routing's question under the chain's newest version: every
code, of any version or era, is carried forward to the newest version's communes and province,
so a filter on a province that exists only in a newer version matches events stamped with codes
of earlier ones, and an event stamped with a commune that a later version moved to another
province no longer reaches the old province. The rules are ``Normaliser.contains``'s, with
"current" meaning "of the newest version"; between two pre-merger units the old hierarchy still
decides exactly. A chain with no loaded version *is* the shipped normaliser (same answers).

A code is read in the newest version first, then each older one, then the shipped eras, which
is safe because a version file may keep a code only for a unit that keeps (part of) its
territory (``_versions``). Names are read in the shipped eras only.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from schemas.admin_units._dataset import current_rows
from schemas.admin_units._model import LEVEL_RANK, Era, Level, Resolution
from schemas.admin_units._normaliser import Normaliser, default_normaliser
from schemas.admin_units._versions import ParsedFile, UnitsTable, VersionStep, build_step, shipped_table

_CACHED_PLACES = 65_536
_PADDED_WIDTH = {1: 2, 4: 5}  # as the normaliser: an integer column loses the leading zero


@dataclass(frozen=True, slots=True)
class Place:
    """Where a code lies in the newest version: its communes (default first) and its province."""

    level: Level
    territory: tuple[str, ...]
    province: str
    newest: bool  # a unit of the newest version itself
    legacy: bool  # a pre-merger unit of the shipped dataset


class VersionedUnits:
    """Routing's administrative-unit index over a chain of versions; read-only once built."""

    def __init__(self, base: Normaliser, shipped: UnitsTable, steps: Sequence[VersionStep] = ()) -> None:
        parents = [shipped.version, *(step.version for step in steps)]
        for step, parent in zip(steps, parents, strict=False):
            if step.parent != parent:
                raise ValueError(f"version {step.version} follows {step.parent}, not {parent}")
        self._base = base
        self._shipped = shipped
        self._steps = tuple(steps)
        self._place = functools.lru_cache(maxsize=_CACHED_PLACES)(self._locate)

    @property
    def version(self) -> str:
        """The newest version of the chain: the one routing decides by."""
        return self._steps[-1].version if self._steps else self._shipped.version

    @property
    def versions(self) -> tuple[str, ...]:
        return (self._shipped.version, *(step.version for step in self._steps))

    @property
    def steps(self) -> tuple[VersionStep, ...]:
        return self._steps

    @property
    def newest_table(self) -> UnitsTable:
        return self._steps[-1].table if self._steps else self._shipped

    def extended(self, step: VersionStep) -> VersionedUnits:
        """This chain with one more version (``step.parent`` must be this chain's newest)."""
        return VersionedUnits(self._base, self._shipped, (*self._steps, step))

    def truncated(self, version: str) -> VersionedUnits:
        """The chain up to ``version`` (one of ``versions``)."""
        end = self.versions.index(version)
        return VersionedUnits(self._base, self._shipped, self._steps[:end])

    def resolve(self, code_or_name: str) -> Resolution:
        """The shipped eras' reading (what connectors stamp; routing carries it forward)."""
        return self._base.resolve(code_or_name)

    def split_candidates(self, code: str) -> tuple[str, ...]:
        return self._base.split_candidates(code)

    def contains(self, filter_code: str, unit_code: str) -> bool:
        """Whether ``unit_code`` lies within ``filter_code`` under the newest version.

        Raises ``UnknownAdminUnit`` for a code no version knows.
        """
        if not self._steps:
            return self._base.contains(filter_code, unit_code)
        area, unit = self.place(filter_code), self.place(unit_code)
        if LEVEL_RANK[unit.level] < LEVEL_RANK[area.level]:
            return False
        if area.legacy and unit.legacy:
            return self._base.contains(filter_code, unit_code)
        if unit.level is Level.PROVINCE or (area.level is Level.PROVINCE and area.newest):
            return unit.province == area.province
        return not set(unit.territory).isdisjoint(area.territory)

    def current_code(self, code: str) -> str:
        """The newest version's unit for ``code``: its province for a province, else its default commune."""
        place = self.place(code)
        if place.level is Level.PROVINCE or not place.territory:
            return place.province
        return place.territory[0]

    def place(self, code: str) -> Place:
        """Where ``code`` lies in the newest version (cached); ``UnknownAdminUnit`` if nowhere."""
        return self._place(code.strip())

    def _locate(self, given: str) -> Place:
        if given.isdigit():
            code = given.zfill(_PADDED_WIDTH.get(len(given), len(given)))
            for index in range(len(self._steps) - 1, -1, -1):
                table = self._steps[index].table
                newest = index == len(self._steps) - 1
                if code in table.communes:
                    province = table.communes[code].province_code
                    return self._forward(index + 1, Level.COMMUNE, (code,), province, newest=newest)
                if code in table.provinces:
                    communes = tuple(table.communes_of(code))
                    return self._forward(index + 1, Level.PROVINCE, communes, code, newest=newest)
        return self._shipped_place(self._base.resolve(given))

    def _shipped_place(self, found: Resolution) -> Place:
        unit = found.original
        covered = self._base.territory(unit)
        default = found.current or (found.candidates[0] if found.candidates else None)
        first = (default.code,) if default is not None and default.code in covered else ()
        territory = (*first, *sorted(covered - set(first)))
        newest = not self._steps and unit.era is Era.CURRENT
        return self._forward(
            0, unit.level, territory, found.province.code, newest=newest, legacy=unit.era is Era.LEGACY
        )

    def _forward(
        self,
        start: int,
        level: Level,
        communes: tuple[str, ...],
        province: str,
        *,
        newest: bool,
        legacy: bool = False,
    ) -> Place:
        for step in self._steps[start:]:
            communes = tuple(dict.fromkeys(new for code in communes for new in step.successors[code]))
            province = step.province_successors[province]
        if level is not Level.PROVINCE and communes:
            province = self.newest_table.communes[communes[0]].province_code
        return Place(level, communes, province, newest, legacy)


@functools.cache
def shipped_units() -> VersionedUnits:
    """The chain of the shipped dataset alone, shared by the process (built on first use)."""
    return VersionedUnits(default_normaliser(), shipped_table(current_rows()))


def extend(chain: VersionedUnits, parsed: ParsedFile) -> VersionedUnits:
    """``chain`` with the version of ``parsed`` on top (its parent must be ``chain.version``)."""
    return chain.extended(build_step(parsed, chain.newest_table))


__all__ = ["Place", "VersionedUnits", "extend", "shipped_units"]
