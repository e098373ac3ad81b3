"""Boundaries after the shipped ones: the version file format, and one version's step from its parent.

The shipped dataset (``_dataset``) is version ``2025.07`` (``SHIPPED_VERSION``). A later merger,
split or rename is a *version file*: JSON, shaped after the package's own two files so that whoever
maintains that dataset can write one from it (``docs/guide/admin-unit-versions.md``)::

    {"format": "gov-data-hub/admin-units/1", "version": "2026.01", "parent": "2025.07",
     "description": "...",
     "admin_units": {"columns": [<the 9 columns of dataset.db admin_units we read>], "rows": [...]},
     "converter": {"DICT_PROVINCE": {...}, "DICT_PROVINCE_WARD_NO_DIVIDED": {...},
                   "DICT_PROVINCE_WARD_DIVIDED": {...}}}

``admin_units`` is the whole table of the new version (every commune), ``converter`` has the
shape of ``converter_2025.json``, keyed by the new version's province and ward keys and naming
the parent's units as ``<provinceKey>`` / ``<provinceKey>_<wardKey>``. Only what changes is named:
a parent commune (province) that the converter does not name went to the unit of the same code,
which must exist. A code that exists in both versions must keep (part of) its territory, so that
reading a code as the newest unit first is safe, as it is between the two eras of the package.

Parsing is pure and strict: any fault is ``InvalidUnitsFile`` naming the first problems found.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from schemas.admin_units._dataset import CURRENT_COLUMNS, Row
from schemas.admin_units._model import Era, Level, Unit
from schemas.errors import InvalidUnitsFile

SHIPPED_VERSION = "2025.07"
FILE_FORMAT = "gov-data-hub/admin-units/1"
MAX_FILE_BYTES = 1_000_000  # the whole table is ~360 kB; the API reads 1 MiB bodies
_VERSION_PATTERN = r"^\d{4}\.\d{2}(\.\d{1,3})?$"
_VERSION = re.compile(_VERSION_PATTERN)
_PROVINCE_CODE = re.compile(r"^\d{2}$")
_COMMUNE_CODE = re.compile(r"^\d{5}$")
_MAX_REPORTED = 10


def version_order(name: str) -> tuple[int, ...]:
    """``YYYY.MM`` or ``YYYY.MM.N`` as numbers, so that ``2026.10`` sorts after ``2026.9.1``."""
    if not _VERSION.match(name):
        raise InvalidUnitsFile(f"version {name!r} is not YYYY.MM or YYYY.MM.N", details={"version": name})
    return tuple(int(part) for part in name.split("."))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TableDoc(_Model):
    columns: list[str]
    rows: list[list[str | None]] = Field(max_length=20_000)


class DividedTarget(BaseModel):
    """One successor of a split commune; other keys of the package's shape (lat, lon) are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    newWardKey: str = Field(min_length=1)
    isDefaultNewWard: bool


class ConverterDoc(_Model):
    DICT_PROVINCE: dict[str, list[str]] = Field(default_factory=dict)
    DICT_PROVINCE_WARD_NO_DIVIDED: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    DICT_PROVINCE_WARD_DIVIDED: dict[str, dict[str, list[DividedTarget]]] = Field(default_factory=dict)


class UnitsFile(_Model):
    format: Literal["gov-data-hub/admin-units/1"]
    version: str = Field(pattern=_VERSION_PATTERN)
    parent: str = Field(pattern=_VERSION_PATTERN)
    description: str = Field(default="", max_length=2000)
    admin_units: TableDoc
    converter: ConverterDoc = Field(default_factory=ConverterDoc)

    def rows(self) -> list[Row]:
        return [dict(zip(self.admin_units.columns, row, strict=True)) for row in self.admin_units.rows]


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """A well-formed version file and the digest of its canonical JSON (what is stored)."""

    content: UnitsFile
    digest: str
    canonical: str


def parse_units_file(raw: bytes | str) -> ParsedFile:
    """The file's content, checked for shape (not yet against its parent: see ``build_step``)."""
    data = raw.encode() if isinstance(raw, str) else raw
    if len(data) > MAX_FILE_BYTES:
        raise InvalidUnitsFile(f"the units file is {len(data)} bytes; at most {MAX_FILE_BYTES}")
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise InvalidUnitsFile(f"the units file is not JSON: {exc}") from exc
    try:
        content = UnitsFile.model_validate(document)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(map(str, error['loc'])) or '(file)'}: {error['msg']}"
            for error in exc.errors(include_url=False, include_input=False)[:_MAX_REPORTED]
        ]
        raise InvalidUnitsFile(
            f"the units file is not in the format {FILE_FORMAT}: {'; '.join(problems)}",
            details={"problems": problems},
        ) from exc
    _check_columns(content.admin_units)
    canonical = json.dumps(
        content.model_dump(mode="json"), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return ParsedFile(content, hashlib.sha256(canonical.encode()).hexdigest(), canonical)


def _check_columns(table: TableDoc) -> None:
    if sorted(table.columns) != sorted(CURRENT_COLUMNS):
        raise InvalidUnitsFile(
            f"admin_units.columns must be exactly {list(CURRENT_COLUMNS)} (any order), not {table.columns}"
        )
    width = len(table.columns)
    bad = [index for index, row in enumerate(table.rows) if len(row) != width]
    if bad:
        raise InvalidUnitsFile(f"admin_units.rows {bad[:_MAX_REPORTED]} do not have {width} values")


@dataclass(frozen=True)
class UnitsTable:
    """One version's current units by code, and the converter's keys of each."""

    version: str
    provinces: Mapping[str, Unit]
    communes: Mapping[str, Unit]
    province_keys: Mapping[str, str]  # provinceKey -> code
    commune_keys: Mapping[str, str]  # "<provinceKey>_<wardKey>" -> code

    @classmethod
    def from_rows(cls, version: str, rows: Iterable[Row]) -> UnitsTable:
        """Raises ``InvalidUnitsFile`` for a malformed code or a code naming two units."""
        provinces: dict[str, Unit] = {}
        communes: dict[str, Unit] = {}
        province_keys: dict[str, str] = {}
        commune_keys: dict[str, str] = {}
        for row in rows:
            province = _province(row)
            _add(provinces, province)
            province_keys[_text(row, "provinceKey")] = province.code
            commune = _commune(row, province.code)
            if commune.code in communes:
                raise InvalidUnitsFile(f"admin_units: commune code {commune.code} appears twice")
            communes[commune.code] = commune
            commune_keys[f"{row['provinceKey']}_{_text(row, 'wardKey')}"] = commune.code
        return cls(version, provinces, communes, province_keys, commune_keys)

    def communes_of(self, province: str) -> list[str]:
        return [code for code, unit in self.communes.items() if unit.province_code == province]


def _text(row: Row, column: str) -> str:
    value = row[column]
    if not isinstance(value, str) or not value.strip():
        raise InvalidUnitsFile(f"admin_units: {column} must be a non-empty string, not {value!r}")
    return value


def _province(row: Row) -> Unit:
    code, name = _text(row, "provinceCode"), _text(row, "province")
    if not _PROVINCE_CODE.match(code):
        raise InvalidUnitsFile(f"admin_units: province code {code!r} is not 2 digits")
    kind = name.removesuffix(row.get("provinceShort") or "").strip() or name.split(" ", 1)[0]
    return Unit(code, name, Level.PROVINCE, code, Era.CURRENT, kind)


def _commune(row: Row, province: str) -> Unit:
    code, name = _text(row, "wardCode"), _text(row, "ward")
    if not _COMMUNE_CODE.match(code):
        raise InvalidUnitsFile(f"admin_units: commune code {code!r} is not 5 digits")
    return Unit(
        code, name, Level.COMMUNE, province, Era.CURRENT, row.get("wardType") or name.split(" ", 1)[0]
    )


def _add(provinces: dict[str, Unit], unit: Unit) -> None:
    known = provinces.setdefault(unit.code, unit)
    if known.name != unit.name:
        raise InvalidUnitsFile(
            f"admin_units: province code {unit.code} names {known.name!r} and {unit.name!r}"
        )


@dataclass(frozen=True)
class VersionStep:
    """A loaded version over its parent: its table and where each parent unit went (complete)."""

    table: UnitsTable
    parent: str
    successors: Mapping[str, tuple[str, ...]]  # every parent commune -> its communes here, default first
    province_successors: Mapping[str, str]  # every parent province -> its province here
    digest: str
    description: str = ""

    @property
    def version(self) -> str:
        return self.table.version


def build_step(parsed: ParsedFile, parent: UnitsTable) -> VersionStep:
    """The version of ``parsed`` over ``parent``; ``InvalidUnitsFile`` when they do not fit."""
    content = parsed.content
    if content.parent != parent.version:
        raise ValueError(f"build_step: {content.version} names parent {content.parent}, not {parent.version}")
    if version_order(content.version) <= version_order(parent.version):
        raise InvalidUnitsFile(f"version {content.version} does not sort after its parent {parent.version}")
    table = UnitsTable.from_rows(content.version, content.rows())
    converter = _Converter(parent, table)
    successors = converter.communes(content.converter)
    provinces = converter.provinces(content.converter.DICT_PROVINCE)
    return VersionStep(table, parent.version, successors, provinces, parsed.digest, content.description)


class _Converter:
    """Joins the converter's keys to both tables and completes it with the unchanged units."""

    def __init__(self, parent: UnitsTable, table: UnitsTable) -> None:
        self._parent = parent
        self._table = table

    def communes(self, converter: ConverterDoc) -> dict[str, tuple[str, ...]]:
        named: dict[str, tuple[str, ...]] = {}
        for province_key, wards in converter.DICT_PROVINCE_WARD_NO_DIVIDED.items():
            for ward_key, old_keys in wards.items():
                new = self._new_commune(province_key, ward_key)
                for old_key in old_keys:
                    self._name_once(named, self._old_commune(old_key), (new,))
        for province_key, splits in converter.DICT_PROVINCE_WARD_DIVIDED.items():
            for old_key, targets in splits.items():
                ordered = sorted(targets, key=lambda target: not target.isDefaultNewWard)
                news = tuple(self._new_commune(province_key, target.newWardKey) for target in ordered)
                self._name_once(named, self._old_commune(old_key), news)
        return self._complete(named, self._parent.communes, self._table.communes, "commune")

    def provinces(self, mapping: Mapping[str, list[str]]) -> dict[str, str]:
        named: dict[str, tuple[str, ...]] = {}
        for new_key, old_keys in mapping.items():
            new = self._key(self._table.province_keys, new_key, "province of the new version")
            for old_key in old_keys:
                old = self._key(self._parent.province_keys, old_key, f"province of {self._parent.version}")
                self._name_once(named, old, (new,))
        complete = self._complete(named, self._parent.provinces, self._table.provinces, "province")
        return {code: news[0] for code, news in complete.items()}

    def _new_commune(self, province_key: str, ward_key: str) -> str:
        return self._key(self._table.commune_keys, f"{province_key}_{ward_key}", "commune of the new version")

    def _old_commune(self, key: str) -> str:
        return self._key(self._parent.commune_keys, key, f"commune of {self._parent.version}")

    @staticmethod
    def _key(keys: Mapping[str, str], key: str, what: str) -> str:
        try:
            return keys[key]
        except KeyError:
            raise InvalidUnitsFile(f"converter: {key!r} is no {what}", details={"key": key}) from None

    @staticmethod
    def _name_once(named: dict[str, tuple[str, ...]], old: str, news: tuple[str, ...]) -> None:
        if old in named:
            raise InvalidUnitsFile(f"converter: unit {old} is named twice", details={"code": old})
        named[old] = news

    def _complete(
        self,
        named: Mapping[str, tuple[str, ...]],
        old_units: Mapping[str, Unit],
        new_units: Mapping[str, Unit],
        level: str,
    ) -> dict[str, tuple[str, ...]]:
        """Unnamed parent units keep their code; a kept code must keep (part of) its territory."""
        orphans = [code for code in old_units if code not in named and code not in new_units]
        if orphans:
            raise InvalidUnitsFile(
                f"{level}s {orphans[:_MAX_REPORTED]} of {self._parent.version} are not in the new table "
                "and the converter does not say where they went",
                details={"codes": orphans},
            )
        moved = [code for code, news in named.items() if code in new_units and code not in news]
        if moved:
            raise InvalidUnitsFile(
                f"{level} codes {moved[:_MAX_REPORTED]} stay in the new table but the converter sends "
                "them elsewhere: a code that stays must keep (part of) its unit",
                details={"codes": moved},
            )
        return {code: named.get(code, (code,)) for code in old_units}


def shipped_table(rows: Iterable[Row]) -> UnitsTable:
    """The shipped version's table, from the package's own rows."""
    return UnitsTable.from_rows(SHIPPED_VERSION, rows)
