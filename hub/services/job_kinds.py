"""The kinds of state job and how each picks its records: ``backfill`` (the subscription's live
decision, ``hub.routing.selection``) and ``rehome`` (two administrative-unit versions compared,
``hub.routing.rehome``). The re-homing selector needs the stored versions, so the table is made
per store here rather than fixed in the pure routing layer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hub.routing import AdminUnitIndex
from hub.routing.rehome import rehome_selector_factory
from hub.routing.selection import SELECTORS, RecordSelector, SelectorFactory
from hub.services.units import UnitsService
from hub.store.base import Store
from hub.subscriptions.model import SubscriptionBase
from schemas.errors import UnknownJobKind

KINDS: Sequence[str] = (*SELECTORS, "rehome")


def job_selectors(store: Store) -> dict[str, SelectorFactory]:
    return {**SELECTORS, "rehome": rehome_selector_factory(UnitsService(store).unit_index)}


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise UnknownJobKind(f"no selector for job kind {kind!r}; known: {sorted(KINDS)}")


def selector_for(
    store: Store, kind: str, subscription: SubscriptionBase, units: AdminUnitIndex, params: Mapping[str, Any]
) -> RecordSelector:
    """The job's selector (``unknown_job_kind`` for a kind no selector serves)."""
    check_kind(kind)
    return job_selectors(store)[kind](subscription, units, params)


__all__ = ["KINDS", "check_kind", "job_selectors", "selector_for"]
