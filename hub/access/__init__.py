"""Access rules, with no I/O: who is calling (``principals``, ``tokens``), what they may do
(``policy``, the one decision function; ``grants`` for what subscribers may receive).

What needs the store lives one layer up, in ``hub.services``: ``access`` (organisations, tokens,
grants), ``audit`` (the trail of what was done), ``resources`` (checks that read the owner or the
grants) and ``admission`` (grants enforced at delivery time). Secrets at rest are the store's
(``hub.store.crypto``).
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
