"""THE authorisation decision: ``authorize(principal, action, resource)`` allows or raises.

Every check in the hub goes through this one function, at two depths:

- per route, by ``hub.api.auth``, before the handler runs: the resource is only a *kind*
  (``Resource("subscription")``), and the question is whether any role of the caller may
  do ``action`` to some resource of that kind. A kind that is not in ``RULES`` is refused to
  everyone but admins, so a new router is closed until its rules are written here;
- per resource, by the routers, once they know the resource: its ``owner`` (the organisation
  a subscription, token or grant belongs to) or its ``domains`` (the ``<domain>`` parts of the
  event types a contract or connector publishes).

Roles and scopes (``admin`` may do everything)::

    kind          read                              write                    replay
    contract      everyone                          publisher, own domains   -
    connector     operator; publisher, own domains  publisher, own domains   -
    subscription  operator; subscriber, own         subscriber, own          replay; subscriber, own
    delivery      operator; subscriber, own         -                        replay; subscriber, own
                  (deliveries, replays, dead letters, traces, the status overview)
    organisation  own organisation                  -                        -
    token         own organisation                  own organisation         -
    grant         own organisation                  -                        -
    audit         -                                 -                        -

Denials are logged (logger ``hub.access``) with who, what and the code, and raised as
``AccessDenied`` refinements: ``role_missing``, ``not_owner``, ``domain_not_owned``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from hub.access.errors import DomainNotOwned, NotOwner, RoleMissing
from hub.access.principals import Principal, Role
from schemas.errors import AccessDenied

log = logging.getLogger("hub.access")

Action = Literal["read", "write", "replay"]
Kind = Literal["contract", "connector", "subscription", "delivery", "organisation", "token", "grant", "audit"]
Scope = Literal["any", "own_org", "own_domains"]
EVERYONE: Literal["*"] = "*"
Rule = tuple[Role | Literal["*"], Scope]

RULES: Mapping[Kind, Mapping[Action, tuple[Rule, ...]]] = {
    "contract": {"read": ((EVERYONE, "any"),), "write": (("publisher", "own_domains"),)},
    "connector": {
        "read": (("operator", "any"), ("publisher", "own_domains")),
        "write": (("publisher", "own_domains"),),
    },
    "subscription": {
        "read": (("operator", "any"), ("subscriber", "own_org")),
        "write": (("subscriber", "own_org"),),
        "replay": (("replay", "any"), ("subscriber", "own_org")),
    },
    "delivery": {
        "read": (("operator", "any"), ("subscriber", "own_org")),
        "replay": (("replay", "any"), ("subscriber", "own_org")),
    },
    "organisation": {"read": ((EVERYONE, "own_org"),)},
    "token": {"read": ((EVERYONE, "own_org"),), "write": ((EVERYONE, "own_org"),)},
    "grant": {"read": ((EVERYONE, "own_org"),)},
    "audit": {},
}


@dataclass(frozen=True)
class Resource:
    """What is acted on. Only ``kind`` at route level; ``owner``/``domains`` once known.

    A resource with neither ``id`` nor ``owner`` is the kind itself (route-level question);
    a specific resource without an owner belongs to no organisation, so only roles with
    scope ``any`` reach it.
    """

    kind: str
    id: str | None = None
    owner: str | None = None
    domains: frozenset[str] | None = None

    @property
    def is_kind(self) -> bool:
        return self.id is None and self.owner is None and self.domains is None


def authorize(principal: Principal, action: Action, resource: Resource) -> None:
    """Return if ``principal`` may do ``action`` to ``resource``; raise ``AccessDenied`` if not."""
    try:
        _decide(principal, action, resource)
    except AccessDenied as denied:
        log.warning(
            "access denied: %s may not %s %s %s (%s)",
            principal.label,
            action,
            resource.kind,
            resource.id or "*",
            denied.code,
            extra={"principal": principal.org, "denial_code": denied.code},
        )
        raise


def allows(principal: Principal, action: Action, resource: Resource) -> bool:
    """The same decision as a boolean, for filtering lists (nothing is logged)."""
    try:
        _decide(principal, action, resource)
    except AccessDenied:
        return False
    return True


def _decide(principal: Principal, action: Action, resource: Resource) -> None:
    if principal.is_admin:
        return
    rules = RULES.get(resource.kind, {}).get(action, ())  # type: ignore[call-overload]
    held = [scope for role, scope in rules if role == EVERYONE or role in principal.roles]
    if not held:
        raise RoleMissing(
            f"no role of {principal.org} may {action} {resource.kind} resources",
            details={"action": action, "kind": resource.kind, "roles": sorted(principal.roles)},
        )
    refusals = [refusal for scope in held if (refusal := _scope_refusal(scope, principal, resource))]
    if len(refusals) == len(held):
        raise refusals[0]


def _scope_refusal(scope: Scope, principal: Principal, resource: Resource) -> AccessDenied | None:
    if scope == "any" or resource.is_kind:
        return None
    if scope == "own_org":
        if resource.owner is not None and resource.owner == principal.org:
            return None
        return NotOwner(
            f"this {resource.kind} belongs to another organisation",
            details={"kind": resource.kind, "id": resource.id},
        )
    outside = sorted((resource.domains or frozenset()) - principal.domains)
    if resource.domains and not outside:
        return None
    return DomainNotOwned(
        f"{principal.org} does not publish in the domain(s) of {resource.kind} {resource.id}",
        details={"kind": resource.kind, "id": resource.id, "outside": outside or None},
    )


__all__ = ["RULES", "Action", "Kind", "Resource", "allows", "authorize"]
