"""Vietnam's administrative units of both eras, and what a pre-merger code or name means today.

Since 1 July 2025 Vietnam has two levels of local government (34 provinces and centrally run
cities, 3,321 communes); ministry records still carry the 63-province, three-level codes.
``Normaliser.resolve`` turns any code or name of either era into today's unit, and
``Normaliser.contains`` is the hub's routing test for a subscription's administrative-unit
filter. The data comes from a maintained dataset package (see ``_dataset``), read once per
process, never over the network.

Boundaries keep changing after 2025: the shipped data is version ``SHIPPED_VERSION`` (2025.07),
and a later merger, split or rename is a version file (``parse_units_file``, format in
``_versions``) loaded on top. ``VersionedUnits`` is the chain legacy -> 2025.07 -> each loaded
version as one routing index (``shipped_units()`` is the chain with none loaded, answering as the
``Normaliser`` does); ``diff_versions`` says which communes a newer version moves (ADR 012).
"""

from schemas.admin_units._chain import Place, VersionedUnits, extend, shipped_units
from schemas.admin_units._diff import CommuneChange, ProvinceChange, UnitChange, UnitsDiff, diff_versions
from schemas.admin_units._errors import AmbiguousAdminUnit
from schemas.admin_units._model import Era, Level, Resolution, Unit
from schemas.admin_units._normaliser import AdminUnitResolver, Normaliser, default_normaliser
from schemas.admin_units._versions import (
    FILE_FORMAT,
    MAX_FILE_BYTES,
    SHIPPED_VERSION,
    ParsedFile,
    UnitsTable,
    VersionStep,
    parse_units_file,
    version_order,
)

__all__ = [
    "FILE_FORMAT",
    "MAX_FILE_BYTES",
    "SHIPPED_VERSION",
    "AdminUnitResolver",
    "AmbiguousAdminUnit",
    "CommuneChange",
    "Era",
    "Level",
    "Normaliser",
    "ParsedFile",
    "Place",
    "ProvinceChange",
    "Resolution",
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
