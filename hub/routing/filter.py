"""The routing decision for one event and one subscription, with the reason, for the trace.

Pure and synchronous: no I/O, so the delivery engine can call it for every event and every
subscription, and the trace can replay it later. Conditions are checked cheapest first: feed,
administrative unit, field predicates; the first that fails names itself in the reason.
Reasons name paths and codes, never field values (payloads hold personal data).

The administrative unit of an event is any of its codes: ``adminunit``, ``adminunitorig`` and,
for a split pre-merger commune, every code of ``adminunitcandidates`` (so the subscribers of each
successor get it, a province's subscriber once: one decision per subscription). An event that
matches only through ``adminunitprev`` (the unit the record left) is a move-out for this
subscription (``Decision.moved_out``): the caller delivers ``hub.routing.moves.moved_out(event)``
instead. Predicates are judged on the event as published (the moved record), there being no
other state of the record at the hub.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hub.routing import feeds
from hub.routing.predicates import holds
from hub.subscriptions.model import SubscriptionBase, SubscriptionFilter
from schemas.errors import UnknownAdminUnit
from schemas.events import ChangeEvent


class AdminUnitIndex(Protocol):
    """What routing needs from the administrative-unit normaliser (``schemas.admin_units``)."""

    def contains(self, filter_code: str, unit_code: str) -> bool:
        """Whether ``unit_code`` (current or pre-merger) lies within ``filter_code`` (idem)."""
        ...


@dataclass(frozen=True, slots=True)
class Decision:
    matched: bool
    reason: str
    moved_out: bool = False  # matched only by the unit the record left: deliver the move-out


def decide(
    event: ChangeEvent, subscription: SubscriptionBase, units: AdminUnitIndex, *, topic: str | None = None
) -> Decision:
    """Whether ``subscription`` wants ``event`` (read from ``topic``, when known), and why."""
    feed = feeds.first_match(subscription.feeds, (event.type, topic))
    if feed is None:
        return Decision(False, f"feed: type {event.type!r} / topic {topic!r} matches none of the feeds")
    unit = _admin_unit_check(event, subscription.filter, units)
    if not unit.matched:
        return unit
    failed = _failed_predicate(event, subscription.filter)
    if failed is not None:
        return Decision(False, failed)
    held = len(subscription.filter.predicates)
    return Decision(True, f"feed {feed!r}; {unit.reason}; {held} predicate(s) held", unit.moved_out)


def _admin_unit_check(event: ChangeEvent, spec: SubscriptionFilter, units: AdminUnitIndex) -> Decision:
    if not spec.admin_units:
        return Decision(True, "no admin-unit filter")
    codes = event_units(event)
    if not codes:
        return Decision(False, "admin unit: the event carries no administrative unit")
    found = _within(units, spec.admin_units, codes)
    if found is not None:
        return Decision(True, f"admin unit {found[0]!r} within {found[1]!r}")
    left = event.adminunitprev
    if left and _within(units, spec.admin_units, [left]) is not None:
        return Decision(True, f"moved out of {left} to {event.adminunit}", moved_out=True)
    return Decision(False, f"admin unit: {codes} not within any of {spec.admin_units}")


def event_units(event: ChangeEvent) -> list[str]:
    """The codes an event may be about: its unit, the source's code, a split commune's candidates."""
    candidates = event.adminunitcandidates.split(",") if event.adminunitcandidates else []
    return [code for code in (event.adminunit, event.adminunitorig, *candidates) if code]


def _within(units: AdminUnitIndex, wanted: list[str], codes: list[str]) -> tuple[str, str] | None:
    """The first (code, filter) pair where the code lies within the filter."""
    for area in wanted:
        for code in codes:
            if _contains(units, area, code):
                return code, area
    return None


def _contains(units: AdminUnitIndex, wanted: str, code: str) -> bool:
    """An event code the normaliser does not know matches nothing (it was validated on publish)."""
    try:
        return units.contains(wanted, code)
    except UnknownAdminUnit:
        return False


def _failed_predicate(event: ChangeEvent, spec: SubscriptionFilter) -> str | None:
    for predicate in spec.predicates:
        if not holds(predicate, event.data):
            return f"predicate: {predicate.path} {predicate.op} {predicate.value!r} does not hold"
    return None
