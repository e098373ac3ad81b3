"""Access control: who is calling (``principals``, ``tokens``), what they may do (``policy``, the one
decision function; ``grants`` for what subscribers may receive), secrets at rest (``crypto``),
and the trail of what was done (``audit``).

``service`` manages organisations, tokens and grants; ``admission`` enforces grants at delivery
time. Only the light, dependency-free vocabulary is re-exported here, so store modules can use
``hub.access.crypto`` without importing the services.
"""

from hub.access.errors import DomainNotOwned, GrantMissing, NotOwner, RoleMissing
from hub.access.policy import Resource, allows, authorize
from hub.access.principals import Organisation, OrganisationSpec, Principal

__all__ = [
    "DomainNotOwned",
    "GrantMissing",
    "NotOwner",
    "Organisation",
    "OrganisationSpec",
    "Principal",
    "Resource",
    "RoleMissing",
    "allows",
    "authorize",
]
