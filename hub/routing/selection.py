"""Which records of the current state a job hands to one subscription, and why (pure, no I/O).

A job (``hub.delivery.backfill``) reads the latest state of every record of the subscription's
feeds and asks a ``RecordSelector`` about each: ``Selected.event`` is what to deliver (the
record itself, or an event derived from it), ``None`` to skip it; ``reason`` says which, for the
job's log. A selector is chosen by the job's ``kind`` from ``SELECTORS``: ``backfill`` is here;
another kind (``rehome``: old vs new admin-unit dataset) registers its factory the same way.

The ``backfill`` selector is the live routing decision (``decide``) on the record's latest
state: a record the subscription would receive now is selected; one that matches only as a
move-out is not (the subscriber never held it, so there is nothing to tell it left).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.routing.filter import AdminUnitIndex, decide
from hub.subscriptions.model import SubscriptionBase
from schemas.errors import UnknownJobKind
from schemas.events import ChangeEvent


@dataclass(frozen=True, slots=True)
class Selected:
    event: ChangeEvent | None  # what to deliver; None: skip the record
    reason: str


RecordSelector = Callable[[ChangeEvent, str], Selected]
"""(a record's latest event, the feed topic it was published on) -> what to deliver."""

SelectorFactory = Callable[[SubscriptionBase, AdminUnitIndex, Mapping[str, Any]], RecordSelector]
"""(the subscription as admitted under its grants, the unit index, the job's params) -> selector."""


def backfill_selector(
    subscription: SubscriptionBase, units: AdminUnitIndex, params: Mapping[str, Any]
) -> RecordSelector:
    """Every record the subscription would receive now (``params`` unused)."""

    def select(event: ChangeEvent, topic: str) -> Selected:
        decision = decide(event, subscription, units, topic=topic)
        if not decision.matched:
            return Selected(None, decision.reason)
        if decision.moved_out:
            return Selected(None, f"not held by the subscriber: {decision.reason}")
        return Selected(event, decision.reason)

    return select


SELECTORS: dict[str, SelectorFactory] = {"backfill": backfill_selector}


def selector_for(
    kind: str, subscription: SubscriptionBase, units: AdminUnitIndex, params: Mapping[str, Any]
) -> RecordSelector:
    factory = SELECTORS.get(kind)
    if factory is None:
        raise UnknownJobKind(f"no selector for job kind {kind!r}; known: {sorted(SELECTORS)}")
    return factory(subscription, units, params)


__all__ = [
    "SELECTORS",
    "RecordSelector",
    "Selected",
    "SelectorFactory",
    "backfill_selector",
    "selector_for",
]
