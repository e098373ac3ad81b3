"""Whether anything the supervisor runs from has changed since its last full read: one cheap query.

The supervisor used to load every subscription, decrypt every signing secret and check every
grant on each round (once a second): with 100 subscriptions that was a fifth of an idle
``hub run``'s CPU. Now each round asks for a ``Stamp`` (a few aggregates over indexed columns)
and reads everything again only when the stamp moved, or ``FULL_READ_S`` after the last full
read, whichever comes first. A change is still picked up at the next round:

- subscriptions: any insert, update (spec, state, secrets: each bumps ``generation`` and
  ``updated_at``) or delete changes (count, sum of generations, latest ``updated_at``);
- grants (only when they are enforced): a grant created, revoked, or past its expiry changes
  (count, highest id, revoked count, expired-by-now count).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.store.access import GrantRow
from hub.store.base import utcnow
from hub.store.subscriptions import SubscriptionRow

FULL_READ_S = 60.0  # a full read at least this often, whatever the stamp says
Stamp = tuple[Any, ...]


def stamp(session: Session, *, grants: bool, now: datetime | None = None) -> Stamp:
    """What changes whenever a subscription, its secrets or (``grants``) the grants change."""
    subs = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(SubscriptionRow.generation), 0),
            func.max(SubscriptionRow.updated_at),
        )
    ).one()
    if not grants:
        return tuple(subs)
    now = now or utcnow()
    granted = session.execute(
        select(
            func.count(),
            func.max(GrantRow.id),
            func.count(GrantRow.revoked_at),
            func.count().filter(GrantRow.expires_at <= now),
        )
    ).one()
    return (*subs, *granted)


__all__ = ["FULL_READ_S", "Stamp", "stamp"]
