"""The package exports exactly its public face, and the shared normaliser is one per process."""

from __future__ import annotations

import schemas.admin_units as admin_units


def test_exports() -> None:
    assert sorted(admin_units.__all__) == [
        "AdminUnitResolver",
        "AmbiguousAdminUnit",
        "CommuneChange",
        "Era",
        "FILE_FORMAT",
        "Level",
        "MAX_FILE_BYTES",
        "Normaliser",
        "ParsedFile",
        "Place",
        "ProvinceChange",
        "Resolution",
        "SHIPPED_VERSION",
        "Unit",
        "UnitChange",
        "UnitsDiff",
        "UnitsTable",
        "VersionStep",
        "VersionedUnits",
        "default_normaliser",
        "diff_versions",
        "extend",
        "parse_units_file",
        "shipped_units",
        "version_order",
    ]
    assert all(hasattr(admin_units, name) for name in admin_units.__all__)


def test_the_default_normaliser_is_shared() -> None:
    assert admin_units.default_normaliser() is admin_units.default_normaliser()
