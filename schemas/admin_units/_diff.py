"""What a newer boundaries version changes: the communes whose province or commune changes.

``diff_versions(old, new)`` walks every commune of ``old``'s newest version and places it in ``new``:
a commune that now lies in another commune or province moves its records (``moves``); one that
only changed its name does not (``renames``). This is what ``hub units diff`` shows before a
version is loaded, and what re-homing will act on after.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from schemas.admin_units._chain import Place, VersionedUnits
from schemas.admin_units._model import Unit
from schemas.errors import UnitsVersionNotNewer


class UnitChange(StrEnum):
    MERGED = "merged"  # into a commune that also took others
    SPLIT = "split"  # between several communes
    RECODED = "recoded"  # into one other commune that took no other
    MOVED = "moved"  # same commune, another province
    RENAMED = "renamed"  # same code and place, another name: no record moves


@dataclass(frozen=True, slots=True)
class CommuneChange:
    code: str
    name: str
    change: UnitChange
    from_province: str
    to_province: str
    to_communes: tuple[str, ...]  # default first
    to_names: tuple[str, ...]

    @property
    def moves_records(self) -> bool:
        return self.change is not UnitChange.RENAMED


@dataclass(frozen=True, slots=True)
class ProvinceChange:
    code: str
    name: str
    to_province: str
    to_name: str


@dataclass(frozen=True)
class UnitsDiff:
    old_version: str
    new_version: str
    communes: tuple[CommuneChange, ...]
    provinces: tuple[ProvinceChange, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def moves(self) -> tuple[CommuneChange, ...]:
        return tuple(change for change in self.communes if change.moves_records)


def diff_versions(old: VersionedUnits, new: VersionedUnits) -> UnitsDiff:
    """``new`` must descend from ``old`` (its chain passes through ``old.version``)."""
    if old.version not in new.versions:
        raise UnitsVersionNotNewer(
            f"version {new.version} does not descend from {old.version} (its chain: {list(new.versions)})",
            details={"old": old.version, "new": new.version},
        )
    before, after = old.newest_table, new.newest_table
    placed = {code: new.place(code) for code in before.communes}
    gains = Counter(place.territory[0] for place in placed.values() if len(place.territory) == 1)
    communes: list[CommuneChange] = []
    for code, unit in before.communes.items():
        place = placed[code]
        kept = after.communes.get(code)
        change = _change(unit, place, kept.name if kept else None, gains)
        if change is not None:
            names = tuple(after.communes[target].name for target in place.territory)
            communes.append(
                CommuneChange(
                    code, unit.name, change, unit.province_code, place.province, place.territory, names
                )
            )
    provinces = tuple(
        ProvinceChange(
            code, unit.name, new.place(code).province, after.provinces[new.place(code).province].name
        )
        for code, unit in before.provinces.items()
        if (new.place(code).province, after.provinces[new.place(code).province].name) != (code, unit.name)
    )
    counts = Counter(str(change.change) for change in communes)
    counts["communes moving records"] = sum(change.moves_records for change in communes)
    counts["province changes"] = len(provinces)
    return UnitsDiff(old.version, new.version, tuple(communes), provinces, dict(counts))


def _change(unit: Unit, place: Place, new_name: str | None, gains: Counter[str]) -> UnitChange | None:
    if len(place.territory) > 1:
        return UnitChange.SPLIT
    if place.territory != (unit.code,):
        return UnitChange.MERGED if gains[place.territory[0]] > 1 else UnitChange.RECODED
    if place.province != unit.province_code:
        return UnitChange.MOVED
    return UnitChange.RENAMED if new_name != unit.name else None
