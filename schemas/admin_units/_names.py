"""Finding units by name: accent-, case- and spacing-insensitive, with or without the type word.

Records spell one unit many ways: "Tỉnh Hà Giang", "Hà Giang", "HA GIANG", "hagiang", "TP. Hồ
Chí Minh", "TP HCM". Names are matched on a key folded to ASCII without spaces, after the
unit's type word ("Tỉnh", "Thành phố", "Huyện", "Xã"...) is set aside. Hard conditions first,
then preferences, each applied only while something is left:

1. A type word in the input restricts the levels ("Xã" -> communes, "Thành phố" -> provinces or
   pre-merger districts); the caller's own condition (province hint, era) also applies here.
2. Units of exactly the given type win ("Thị trấn Yên Viên" over "Xã Yên Viên").
3. Folding merges distinct names (Tân Thành / Tân Thạnh): units whose accented name the input
   spells exactly win over those it only matches once folded.
4. The coarser level wins, then the current era: a bare "Bắc Giang" means the province, not
   Phường Bắc Giang; "Bát Tràng" means today's commune, not the pre-merger one of that name.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from schemas.admin_units._model import LEVEL_RANK, Era, Level, Unit

# Abbreviations of type words that records use; the type words themselves come from the data.
ABBREVIATIONS = {
    "tp": ("thanh", "pho"),
    "tx": ("thi", "xa"),
    "tt": ("thi", "tran"),
    "q": ("quan",),
    "h": ("huyen",),
    "p": ("phuong",),
    "x": ("xa",),
}
_ERA_RANK = {Era.CURRENT: 0, Era.LEGACY: 1}
_ANY_LEVEL = frozenset(Level)
_WORD = re.compile(r"\w+")


def words(text: str) -> tuple[list[str], list[str]]:
    """The input's words, accented (NFC, case-folded) and folded to ASCII, pairwise aligned."""
    accented = _WORD.findall(unicodedata.normalize("NFC", text).casefold())
    return accented, [_ascii(word) for word in accented]


def _ascii(word: str) -> str:
    return unicodedata.normalize("NFKD", word.replace("đ", "d")).encode("ascii", "ignore").decode()


@dataclass(frozen=True, slots=True)
class _Entry:
    unit: Unit
    accented: str  # the name without its type word, accented and case-folded
    kind: tuple[str, ...]  # the unit's type word, folded


class NameIndex:
    """Every unit of both eras under the folded key of its name (and province aliases)."""

    def __init__(self, units: Iterable[Unit], aliases: Mapping[tuple[Era, str], tuple[str, ...]]) -> None:
        self._entries: dict[str, list[_Entry]] = defaultdict(list)
        self._kind_levels: dict[tuple[str, ...], set[Level]] = defaultdict(
            set
        )  # type word -> levels it names
        for unit in units:
            self._add(unit, aliases.get((unit.era, unit.code), ()))
        for short, full in ABBREVIATIONS.items():
            self._kind_levels[(short,)] = self._kind_levels[full]

    def _add(self, unit: Unit, aliases: tuple[str, ...]) -> None:
        kind = tuple(words(unit.kind)[1])
        accented, folded = words(unit.name)
        entry = _Entry(unit, " ".join(accented[len(kind) :]), kind)
        self._kind_levels[kind].add(unit.level)
        for key in {"".join(folded[len(kind) :]), *aliases}:
            self._entries[key].append(entry)

    def find(self, text: str, keep: Callable[[Unit], bool]) -> list[Unit]:
        """The units ``text`` names best among those ``keep`` accepts (several when it stays ambiguous)."""
        accented, folded = words(text)
        for kind, start in self._readings(folded):
            levels = self._kind_levels[kind] if kind else _ANY_LEVEL
            named = self._entries.get("".join(folded[start:]), ())
            entries = [entry for entry in named if entry.unit.level in levels and keep(entry.unit)]
            if entries:
                return [entry.unit for entry in _prefer(entries, kind, " ".join(accented[start:]))]
        return []

    def _readings(self, folded: list[str]) -> Iterator[tuple[tuple[str, ...], int]]:
        """(type word, where the name starts): with a leading type word first, then the whole input."""
        for size in (2, 1):
            kind = tuple(folded[:size])
            if len(folded) > size and kind in self._kind_levels:
                yield ABBREVIATIONS.get(kind[0], kind) if size == 1 else kind, size
        yield (), 0


def _prefer(entries: list[_Entry], kind: tuple[str, ...], accented: str) -> list[_Entry]:
    entries = _narrow(entries, lambda entry: entry.kind == kind)
    entries = _narrow(entries, lambda entry: entry.accented == accented)
    best = min(_rank(entry.unit) for entry in entries)
    return [entry for entry in entries if _rank(entry.unit) == best]


def _rank(unit: Unit) -> tuple[int, int]:
    return LEVEL_RANK[unit.level], _ERA_RANK[unit.era]


def _narrow(entries: list[_Entry], wanted: Callable[[_Entry], bool]) -> list[_Entry]:
    return [entry for entry in entries if wanted(entry)] or entries
