"""The one error of this package beyond ``UnknownAdminUnit`` itself.

A name that fits several units in different provinces is not an unknown unit, but callers
that only ask "is this a unit I can route?" (the hub's routing) treat both the same, so it
refines ``UnknownAdminUnit`` with its own code rather than starting a new family.
"""

from __future__ import annotations

from collections.abc import Sequence

from schemas.admin_units._model import Unit
from schemas.errors import UnknownAdminUnit


class AmbiguousAdminUnit(UnknownAdminUnit):
    code = "ambiguous_admin_unit"

    def __init__(self, given: str, candidates: Sequence[Unit]) -> None:
        listed = ", ".join(
            f"{unit.code} {unit.name} ({unit.era}, province {unit.province_code})" for unit in candidates
        )
        super().__init__(
            f"administrative unit name {given!r} fits {len(candidates)} units: {listed}; "
            "give a code, or a province hint (resolve(name, province=...))",
            details={"given": given, "candidates": [_describe(unit) for unit in candidates]},
        )


def unknown(given: str, why: str) -> UnknownAdminUnit:
    """The error for an input that names no unit, with the input and the reason in the message."""
    return UnknownAdminUnit(f"unknown administrative unit {given!r}: {why}", details={"given": given})


def _describe(unit: Unit) -> dict[str, str]:
    return {"code": unit.code, "name": unit.name, "era": unit.era, "province_code": unit.province_code}
