"""The vocabulary of administrative units: what a unit is, and what resolving one tells.

Codes are the General Statistics Office's: 2 digits for a province, 3 for a (pre-merger)
district, 5 for a commune (xã, phường, thị trấn, đặc khu). Since 1 July 2025 there are two
levels (34 provinces, 3,321 communes); records made before carry the 63-province, three-level
codes. The two eras share one code space: a current code is always the code of one of the
pre-merger units it absorbed, so the same string can name a current and a pre-merger unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    PROVINCE = "province"
    DISTRICT = "district"  # pre-merger only: the level was abolished on 1 July 2025
    COMMUNE = "commune"


LEVEL_RANK = {Level.PROVINCE: 0, Level.DISTRICT: 1, Level.COMMUNE: 2}  # coarsest first


class Era(StrEnum):
    CURRENT = "current"  # the two-level system in force since 1 July 2025
    LEGACY = "legacy"  # the 63-province, three-level system before it


@dataclass(frozen=True, slots=True)
class Unit:
    """One administrative unit of one era, as the dataset names it.

    ``province_code`` is the province of the same era (the unit's own code for a province);
    ``district_code`` is set only for pre-merger communes. ``kind`` is the official type word
    that starts ``name`` ("Tỉnh", "Thành phố", "Huyện", "Xã", "Phường", "Đặc khu"...).
    """

    code: str
    name: str
    level: Level
    province_code: str
    era: Era
    kind: str
    district_code: str | None = None


@dataclass(frozen=True, slots=True)
class Resolution:
    """What an input (code or name) means today.

    ``original`` is the unit the input named; ``current`` its unit today, or None when that
    is not determined (a pre-merger commune split between several current communes, or a
    pre-merger district): then ``ambiguous`` is true and ``candidates`` lists the possible
    current units, the dataset's default successor first. ``province`` is the current
    province, always known: no province was split in 2025. ``changed`` is true for a
    pre-merger unit whose current code differs from its own (or is not determined).
    """

    original: Unit
    current: Unit | None
    province: Unit
    ambiguous: bool
    candidates: tuple[Unit, ...]
    changed: bool
