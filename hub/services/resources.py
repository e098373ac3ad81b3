"""What the routers hand to the policy: each kind of resource as a ``Resource`` with its owner or
domains, and the checks that need the store (a subscription's owner, its grants).

- a contract's domain is the ``<domain>`` of its subject (``vn.gov.<domain>.<entity>.vN``); a
  subject that is not an event type has none, so only admins write it;
- a connector's domains are those of the event types of its feeds;
- a subscription (and its deliveries, replays, dead letters) belongs to its ``owner``.

``check_subscription_write`` is the whole registration-time rule for subscriptions: the caller
may write the stored subscription (if any) and the new declaration (whose owner defaults to the
caller's organisation), and, unless an admin, holds live grants covering every feed x unit of
it (403 ``grant_missing`` listing the gaps); the owner must be a registered organisation
(422 ``unknown_owner``, checked after the caller's right to name it). An admin may register
ahead of the grants: the delivery engine keeps such a subscription paused, saying why, until they exist.
"""

from __future__ import annotations

from collections.abc import Iterable

from hub.access.errors import GrantMissing, NotOwner
from hub.access.grants import Grant, coverage
from hub.access.policy import Action, Resource, allows, authorize
from hub.access.principals import Principal
from hub.routing import AdminUnitIndex
from hub.store import access as rows
from hub.store import connectors as stored_connectors
from hub.store import subscriptions as stored
from hub.store.base import Store, utcnow
from hub.store.connectors import StoredConnector
from hub.subscriptions.model import SubscriptionBase, SubscriptionSpec
from schemas import naming
from schemas.errors import InvalidInput


class UnknownOwner(InvalidInput):
    """A subscription names an owner organisation that is not registered."""

    code = "unknown_owner"


def _domain(event_type: str) -> str | None:
    try:
        return naming.parse_event_type(event_type).domain
    except naming.InvalidName:
        return None


def contract_resource(subject: str) -> Resource:
    domain = _domain(subject)
    return Resource("contract", id=subject, domains=frozenset({domain} if domain else ()))


def connector_resource(name: str, event_types: Iterable[str]) -> Resource:
    domains = {d for d in map(_domain, event_types) if d is not None}
    return Resource("connector", id=name, domains=frozenset(domains))


def stored_connector_resource(item: StoredConnector) -> Resource:
    feeds = item.document.get("feeds") or []
    return connector_resource(item.name, [f.get("event_type", "") for f in feeds if isinstance(f, dict)])


def check_connector(store: Store, principal: Principal, action: Action, name: str) -> None:
    """Authorize ``action`` on a stored connector (``connector_not_found`` if none)."""
    with store.session() as session:
        item = stored_connectors.get(session, name)
    authorize(principal, action, stored_connector_resource(item))


def subscription_resource(sub: SubscriptionBase, kind: str = "subscription") -> Resource:
    return Resource(kind, id=sub.id, owner=sub.owner)


def check_subscription(store: Store, principal: Principal, action: Action, subscription_id: str,
                       kind: str = "subscription") -> None:  # fmt: skip
    """Authorize ``action`` on a stored subscription (``subscription_not_found`` if none)."""
    with store.session() as session:
        sub = stored.get(session, subscription_id)
    authorize(principal, action, subscription_resource(sub, kind))


def check_delivery_query(store: Store, principal: Principal, subscription_id: str | None) -> None:
    """Reading the delivery log: all of it (operators), or one subscription of one's own."""
    if allows(principal, "read", Resource("delivery", id="*")):
        return
    if subscription_id is None:
        raise NotOwner("name one of your subscriptions (subscription=...)", details={"kind": "delivery"})
    check_subscription(store, principal, "read", subscription_id, kind="delivery")


def check_subscription_write(
    store: Store, principal: Principal, spec: SubscriptionSpec, units: AdminUnitIndex
) -> SubscriptionSpec:
    """The declaration to store, owner filled in; raises if the caller may not (module docstring)."""
    if spec.owner is None and not principal.is_admin:
        spec = spec.model_copy(update={"owner": principal.org})
    with store.session() as session:
        existing = stored.get(session, spec.id) if stored.exists(session, spec.id) else None
        grants = [Grant.model_validate(g) for g in rows.grants(session, spec.owner)] if spec.owner else []
        owner_known = spec.owner is None or bool(rows.orgs(session, [spec.owner]))
    if existing is not None:
        authorize(principal, "write", subscription_resource(existing))
    authorize(principal, "write", subscription_resource(spec))
    if not owner_known:
        raise UnknownOwner(
            f"no organisation {spec.owner!r}: register it first (hub orgs create)",
            details={"owner": spec.owner},
        )
    if not principal.is_admin:
        found = coverage(spec.feeds, spec.filter.admin_units, grants, units, utcnow())
        if not found.covered:
            raise GrantMissing(
                f"{spec.owner} holds no live grant for part of this subscription",
                details=[{"feed": g.feed, "admin_unit": g.admin_unit, "reason": g.reason(utcnow())}
                         for g in found.gaps],
            )  # fmt: skip
    return spec


__all__ = [
    "UnknownOwner",
    "check_connector",
    "check_delivery_query",
    "check_subscription",
    "check_subscription_write",
    "connector_resource",
    "contract_resource",
    "stored_connector_resource",
    "subscription_resource",
]
