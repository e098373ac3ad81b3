"""Vietnam's administrative units of both eras, and what a pre-merger code or name means today.

Since 1 July 2025 Vietnam has two levels of local government (34 provinces and centrally run
cities, 3,321 communes); ministry records still carry the 63-province, three-level codes.
``Normaliser.resolve`` turns any code or name of either era into today's unit, and
``Normaliser.contains`` is the hub's routing test for a subscription's administrative-unit
filter. The data comes from a maintained dataset package (see ``_dataset``), read once per
process, never over the network.
"""

from schemas.admin_units._errors import AmbiguousAdminUnit
from schemas.admin_units._model import Era, Level, Resolution, Unit
from schemas.admin_units._normaliser import AdminUnitResolver, Normaliser, default_normaliser

__all__ = [
    "AdminUnitResolver",
    "AmbiguousAdminUnit",
    "Era",
    "Level",
    "Normaliser",
    "Resolution",
    "Unit",
    "default_normaliser",
]
