"""Grant enforcement at delivery time: which subscriptions may run, and under which grants.

The delivery supervisor asks ``admit`` on every round which of the subscriptions it would run
are covered by live grants of their owners (``hub.access.grants.coverage``):

- a covered subscription runs, and its pushes carry the grants' ids, purposes and legal bases
  (``delivery_headers``);
- an uncovered one is paused with the reason (``grant_missing`` / ``grant_expired`` /
  ``grant_revoked: ...``) and not run: its sink stops, its consumer offsets stay where the last
  resolved event left them, so the undelivered events wait in Kafka, none lost;
- a subscription paused for a grant reason runs again, by itself, once grants cover it again.

Each pause and resume is written to the audit log by ``system:delivery`` with the purpose.
A subscription paused for another reason (by its owner) is never resumed here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from hub.access.grants import REASON_PREFIX, Coverage, Grant, coverage, delivery_headers
from hub.access.principals import SYSTEM_DELIVERY
from hub.routing import AdminUnitIndex
from hub.services import audit
from hub.store import access as rows
from hub.store import subscriptions as stored
from hub.store.base import utcnow
from hub.subscriptions.model import Subscription

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Admitted:
    subscription: Subscription
    headers: Headers = ()
    not_before: datetime | None = None  # the latest creation of the grants used: delivery starts after


def admit(
    session: Session,
    subscriptions: Sequence[Subscription],
    units: AdminUnitIndex,
    *,
    enforce: bool = True,
    now: datetime | None = None,
) -> list[Admitted]:
    """The subscriptions that may deliver now (see module docstring); pauses and resumes in ``session``."""
    if not enforce:
        return [Admitted(sub) for sub in subscriptions]
    now = now or utcnow()
    waiting = [s for s in stored.list_all(session, states=("paused",)) if _paused_for_grant(s)]
    by_org = _grants_by_org(session)
    admitted: list[Admitted] = []
    for sub in [*subscriptions, *waiting]:
        found = coverage(sub.feeds, sub.filter.admin_units, by_org.get(sub.owner or "", []), units, now)
        if found.covered:
            since = max((grant.created_at for grant in found.used), default=None)
            admitted.append(Admitted(_resumed(session, sub, found), delivery_headers(found.used), since))
        else:
            _pause(session, sub, found, now)
    return admitted


def _paused_for_grant(sub: Subscription) -> bool:
    return (sub.status_reason or "").startswith(REASON_PREFIX)


def _grants_by_org(session: Session) -> dict[str, list[Grant]]:
    found: dict[str, list[Grant]] = defaultdict(list)
    for row in rows.grants(session):
        found[row.org_code].append(Grant.model_validate(row))
    return found


def _resumed(session: Session, sub: Subscription, found: Coverage) -> Subscription:
    if sub.state != "paused":
        return sub
    resumed = stored.set_state(session, sub.id, "active", None)
    _audit(session, "subscription.resume", sub, resumed, _purposes(found.used))
    return resumed


def _pause(session: Session, sub: Subscription, found: Coverage, now: datetime) -> None:
    reason = found.reason(now)
    if sub.state == "paused" and sub.status_reason == reason:
        return
    paused = stored.set_state(session, sub.id, "paused", reason)
    lapsed = [gap.lapsed for gap in found.gaps if gap.lapsed is not None]
    _audit(session, "subscription.pause", sub, paused, _purposes(lapsed))


def _audit(session: Session, action: str, before: Subscription, after: Subscription, purpose: str) -> None:
    audit.record(
        session,
        SYSTEM_DELIVERY,
        action,
        "subscription",
        before.id,
        before={"state": before.state, "status_reason": before.status_reason},
        after={"state": after.state, "status_reason": after.status_reason},
        purpose=purpose or None,
    )


def _purposes(grants: Sequence[Grant]) -> str:
    return "; ".join(dict.fromkeys(f"grant {g.id}: {g.purpose} ({g.legal_basis})" for g in grants))


__all__ = ["Admitted", "admit"]
