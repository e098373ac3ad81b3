"""The one decision function: each role against each kind, at route and at resource level."""

from __future__ import annotations

import logging

import pytest

from hub.access.policy import RULES, Action, Resource, allows, authorize
from hub.access.principals import Principal, Role
from schemas.errors import AccessDenied

ORG, OTHER = "000.00.00.H49", "000.00.00.H57"


def who(*roles: Role, domains: tuple[str, ...] = ()) -> Principal:
    return Principal(ORG, frozenset(roles), frozenset(domains), token_id="0123456789abcdef")


ADMIN = who("admin")
PUBLISHER = who("publisher", domains=("civil-status",))
SUBSCRIBER = who("subscriber")
OPERATOR = who("operator")
REPLAYER = who("operator", "replay")
NOBODY = who()

OWN_SUB = Resource("subscription", id="a", owner=ORG)
OTHER_SUB = Resource("subscription", id="b", owner=OTHER)
OWN_DELIVERY = Resource("delivery", id="a", owner=ORG)
OTHER_DELIVERY = Resource("delivery", id="b", owner=OTHER)
CIVIL = Resource("contract", id="vn.gov.civil-status.birth.v1", domains=frozenset({"civil-status"}))
LAND = Resource("contract", id="vn.gov.land.parcel.v1", domains=frozenset({"land"}))
CONNECTOR_CIVIL = Resource("connector", id="hotich", domains=frozenset({"civil-status"}))
CONNECTOR_MIXED = Resource("connector", id="mixed", domains=frozenset({"civil-status", "land"}))

CASES: list[tuple[Principal, Action, Resource, str | None]] = [
    # contracts: everyone reads; a publisher writes in its own domains only
    (SUBSCRIBER, "read", CIVIL, None),
    (PUBLISHER, "write", CIVIL, None),
    (PUBLISHER, "write", LAND, "domain_not_owned"),
    (PUBLISHER, "write", Resource("contract", id="misc", domains=frozenset()), "domain_not_owned"),
    (SUBSCRIBER, "write", CIVIL, "role_missing"),
    (OPERATOR, "write", CIVIL, "role_missing"),
    # connectors: operators read, publishers read and write their own domains
    (OPERATOR, "read", CONNECTOR_MIXED, None),
    (PUBLISHER, "read", CONNECTOR_CIVIL, None),
    (PUBLISHER, "read", CONNECTOR_MIXED, "domain_not_owned"),
    (PUBLISHER, "write", CONNECTOR_MIXED, "domain_not_owned"),
    (OPERATOR, "write", CONNECTOR_CIVIL, "role_missing"),
    (SUBSCRIBER, "read", CONNECTOR_CIVIL, "role_missing"),
    # subscriptions: subscribers their own; operators read all and change nothing
    (SUBSCRIBER, "write", OWN_SUB, None),
    (SUBSCRIBER, "write", OTHER_SUB, "not_owner"),
    (SUBSCRIBER, "read", OTHER_SUB, "not_owner"),
    (SUBSCRIBER, "write", Resource("subscription", id="orphan"), "not_owner"),
    (OPERATOR, "read", OTHER_SUB, None),
    (OPERATOR, "write", OTHER_SUB, "role_missing"),
    (PUBLISHER, "read", OWN_SUB, "role_missing"),
    # deliveries: replay and redelivery for the owner, or an operator granted replay
    (SUBSCRIBER, "read", OWN_DELIVERY, None),
    (SUBSCRIBER, "replay", OWN_DELIVERY, None),
    (SUBSCRIBER, "replay", OTHER_DELIVERY, "not_owner"),
    (OPERATOR, "read", OTHER_DELIVERY, None),
    (OPERATOR, "replay", OTHER_DELIVERY, "role_missing"),
    (REPLAYER, "replay", OTHER_DELIVERY, None),
    (REPLAYER, "write", OTHER_DELIVERY, "role_missing"),
    # organisations, tokens, grants: one's own; audit: admins only
    (SUBSCRIBER, "read", Resource("organisation", id=ORG, owner=ORG), None),
    (SUBSCRIBER, "read", Resource("organisation", id=OTHER, owner=OTHER), "not_owner"),
    (SUBSCRIBER, "write", Resource("organisation", id=ORG, owner=ORG), "role_missing"),
    (PUBLISHER, "write", Resource("token", owner=ORG), None),
    (PUBLISHER, "write", Resource("token", owner=OTHER), "not_owner"),
    (OPERATOR, "read", Resource("grant", id="1", owner=OTHER), "not_owner"),
    (SUBSCRIBER, "write", Resource("grant", owner=ORG), "role_missing"),
    (OPERATOR, "read", Resource("audit", id="*"), "role_missing"),
    (NOBODY, "read", CIVIL, None),
    (NOBODY, "read", OWN_SUB, "role_missing"),
]


@pytest.mark.parametrize(("principal", "action", "resource", "denial"), CASES)
def test_decision(principal: Principal, action: Action, resource: Resource, denial: str | None) -> None:
    if denial is None:
        authorize(principal, action, resource)
        assert allows(principal, action, resource)
        return
    with pytest.raises(AccessDenied) as caught:
        authorize(principal, action, resource)
    assert (caught.value.code, caught.value.status) == (denial, 403)
    assert not allows(principal, action, resource)


@pytest.mark.parametrize("kind", [*RULES, "unmapped:new-router"])
@pytest.mark.parametrize("action", ["read", "write", "replay"])
def test_admin_may_do_everything(kind: str, action: Action) -> None:
    authorize(ADMIN, action, Resource(kind, id="x", owner=OTHER, domains=frozenset({"land"})))


def test_route_level_asks_only_whether_some_resource_of_the_kind_is_reachable() -> None:
    authorize(SUBSCRIBER, "write", Resource("subscription"))
    authorize(PUBLISHER, "write", Resource("connector"))
    with pytest.raises(AccessDenied, match="may write subscription"):
        authorize(PUBLISHER, "write", Resource("subscription"))


def test_a_kind_without_rules_is_closed_to_all_but_admins() -> None:
    for principal in (PUBLISHER, SUBSCRIBER, OPERATOR, REPLAYER):
        assert not allows(principal, "read", Resource("unmapped:new-router"))


def test_denials_are_logged_with_their_code(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="hub.access")
    with pytest.raises(AccessDenied):
        authorize(SUBSCRIBER, "write", OTHER_SUB)
    (record,) = [r for r in caplog.records if r.name == "hub.access"]
    assert "not_owner" in record.getMessage() and ORG in record.getMessage()
    assert getattr(record, "denial_code", None) == "not_owner"
