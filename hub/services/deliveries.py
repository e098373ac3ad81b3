"""The delivery log and replay requests, as the API reads and asks for them.

A replay is only requested here: a row one running ``hub run`` process picks up and carries out
(``hub.delivery.control.replay``), audited in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from hub.access.principals import Principal
from hub.services import audit
from hub.store import deliveries
from hub.store import subscriptions as stored_subscriptions
from hub.store.base import Store
from hub.store.deliveries import OUTCOMES, AttemptQuery, DeliveryAttempt, Outcome
from schemas.errors import NotFound


class Replay(BaseModel):
    """A replay request and how far the running hub got with it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    subscription_id: str
    from_time: datetime
    to_time: datetime | None
    requested_at: datetime
    state: str = Field(description="pending, running (being copied), done or failed")
    finished_at: datetime | None
    detail: str | None
    total: int = Field(description="records of the subscription's feeds inside the window")
    scanned: int = Field(description="of them read so far")
    queued: int = Field(description="of them the subscription wants, sent again for delivery")


@dataclass(frozen=True)
class DeliveryService:
    """Deliveries recorded in one store."""

    store: Store

    def attempts(self, query: AttemptQuery) -> list[DeliveryAttempt]:
        """Push attempts matching ``query``, newest first."""
        with self.store.session() as session:
            return deliveries.attempts(session, query)

    def attempt(self, attempt_id: int) -> DeliveryAttempt:
        """One push attempt by its id (``not_found`` when there is none)."""
        with self.store.session() as session:
            found = deliveries.attempt(session, attempt_id)
            if found is None:
                raise NotFound(f"no delivery attempt {attempt_id}")
            return found

    def request_replay(
        self, principal: Principal, subscription_id: str, from_time: datetime, to_time: datetime | None = None
    ) -> Replay:
        """Ask the running hub to deliver again the window ``[from_time, to_time)`` (audited)."""
        with self.store.session() as session:
            stored_subscriptions.get(session, subscription_id)
            made = Replay.model_validate(
                deliveries.request_replay(session, subscription_id, from_time, to_time)
            )
            audit.record(
                session, principal, "subscription.replay", "subscription", subscription_id, after=made
            )
            return made

    def replay(self, subscription_id: str, request_id: int) -> Replay:
        """A replay request of this subscription (``not_found`` if it is another's)."""
        with self.store.session() as session:
            found = deliveries.replay(session, request_id)
            if found is None or found.subscription_id != subscription_id:
                raise NotFound(f"no replay request {request_id} for {subscription_id}")
            return Replay.model_validate(found)


__all__ = ["OUTCOMES", "AttemptQuery", "DeliveryService", "Outcome", "Replay"]
