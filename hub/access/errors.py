"""The refusals of access control, each with its stable code (all in the ``AccessDenied`` family).

::

    AccessDenied (403)
    ├── RoleMissing        role_missing       no role of the caller may do this to this kind
    ├── NotOwner           not_owner          the resource belongs to another organisation
    ├── DomainNotOwned     domain_not_owned   a publisher acting outside its own domains
    ├── GrantMissing       grant_missing      no live grant covers a feed x administrative unit
    └── Unauthenticated (401)
        ├── (itself)       unauthenticated    no bearer token
        ├── InvalidToken   invalid_token      malformed, unknown, or wrong secret
        ├── TokenExpired   token_expired
        └── TokenRevoked   token_revoked
"""

from __future__ import annotations

from schemas.errors import AccessDenied, Unauthenticated


class RoleMissing(AccessDenied):
    code = "role_missing"


class NotOwner(AccessDenied):
    code = "not_owner"


class DomainNotOwned(AccessDenied):
    code = "domain_not_owned"


class GrantMissing(AccessDenied):
    code = "grant_missing"


class InvalidToken(Unauthenticated):
    code = "invalid_token"


class TokenExpired(Unauthenticated):
    code = "token_expired"


class TokenRevoked(Unauthenticated):
    code = "token_revoked"


__all__ = [
    "DomainNotOwned",
    "GrantMissing",
    "InvalidToken",
    "NotOwner",
    "RoleMissing",
    "TokenExpired",
    "TokenRevoked",
]
