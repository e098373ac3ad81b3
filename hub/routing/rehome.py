"""Re-homing: what one subscription must hear about a record when the boundaries version changes.

A newer administrative-units version (a merger, a split, a rename: ADR 012) can move a record
that did not change into another commune or province. The job runner reads the latest event of
every record of the subscription's feeds and asks the selector built here about each one:

- held under the old version, not under the new one: the subscriber loses it, so it gets the
  record's move-out (``hub.routing.moves``: op ``d``, ``moved: {from, to}``), from the unit it
  was in under the old version to the one it is in under the new;
- held under the new version only: the subscriber gains it, so it gets the event itself;
- otherwise nothing (also for a deleted record, which no one holds).

"Held" is the live routing decision (``decide``) matching other than as a move-out: a
subscriber that only heard a record left never held it. The move-out's id is derived from the
original id and the new version, so a re-run of the same job redelivers the same ``webhook-id``
and a later version's re-homing of the same record gets a fresh one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from hub.routing.filter import AdminUnitIndex, Decision, decide
from hub.routing.moves import moved_out
from hub.routing.selection import RecordSelector, Selected
from hub.subscriptions.model import SubscriptionBase
from schemas.errors import InvalidInput, UnknownAdminUnit
from schemas.events import ChangeEvent, Op
from schemas.events.ids import EVENT_NAMESPACE

REHOMED_OUT = "rehomed-out"
_GONE = frozenset({Op.DELETE, Op.TRUNCATE})


class VersionedIndex(AdminUnitIndex, Protocol):
    """A unit index of one boundaries version (``schemas.admin_units.VersionedUnits``)."""

    @property
    def version(self) -> str: ...

    def current_code(self, code: str) -> str:
        """The version's own unit for ``code`` (of any version): a province or a commune code."""
        ...


def rehomed_out_id(event_id: str, version: str) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{event_id}\x1f{REHOMED_OUT}\x1f{version}"))


def rehome_selector(
    subscription: SubscriptionBase, old: VersionedIndex, new: VersionedIndex
) -> RecordSelector:
    """The selector for ``subscription`` moving from the ``old`` boundaries to the ``new``."""

    def select(event: ChangeEvent, topic: str) -> Selected:
        if event.data.op in _GONE:
            return Selected(None, "deleted: no subscriber holds the record")
        before = decide(event, subscription, old, topic=topic)
        after = decide(event, subscription, new, topic=topic)
        if _held(before) and not _held(after):
            return Selected(
                rehomed_out(event, old, new), f"leaves the scope under {new.version}: {after.reason}"
            )
        if _held(after) and not _held(before):
            return Selected(event, f"enters the scope under {new.version}: {after.reason}")
        return Selected(None, f"scope unchanged under {new.version}: {after.reason}")

    return select


def rehome_selector_factory(
    unit_index: Callable[[str], VersionedIndex],
) -> Callable[[SubscriptionBase, AdminUnitIndex, Mapping[str, Any]], RecordSelector]:
    """A job-kind selector factory (subscription, live units, the job's params) for ``rehome`` jobs:
    ``params`` name the two versions (``from_version``, ``to_version``), ``unit_index`` loads each
    (``hub.services.units.UnitsService.unit_index``). The live units are not used: a re-homing
    compares two given versions, whatever is active when the job runs."""

    def factory(
        subscription: SubscriptionBase, _units: AdminUnitIndex, params: Mapping[str, Any]
    ) -> RecordSelector:
        versions = [params.get(name) for name in ("from_version", "to_version")]
        if not all(isinstance(version, str) for version in versions):
            raise InvalidInput(
                f"a rehome job needs params from_version and to_version (version names), not {dict(params)}"
            )
        return rehome_selector(subscription, unit_index(str(versions[0])), unit_index(str(versions[1])))

    return factory


def rehomed_out(event: ChangeEvent, old: VersionedIndex, new: VersionedIndex) -> ChangeEvent:
    """The move-out of ``event`` from its unit under ``old`` to its unit under ``new``."""
    unit = event.adminunit or ""
    moved = event.model_copy(
        update={
            "adminunitprev": _unit_in(old, unit),
            "adminunit": _unit_in(new, unit),
            "adminunitversion": new.version,
        }
    )
    return moved_out(moved).model_copy(update={"id": rehomed_out_id(event.id, new.version)})


def _held(decision: Decision) -> bool:
    return decision.matched and not decision.moved_out


def _unit_in(index: VersionedIndex, code: str) -> str:
    try:
        return index.current_code(code)
    except UnknownAdminUnit:
        return code


__all__ = [
    "REHOMED_OUT",
    "VersionedIndex",
    "rehome_selector",
    "rehome_selector_factory",
    "rehomed_out",
    "rehomed_out_id",
]
