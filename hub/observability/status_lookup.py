"""Gathering the ops overview: connectors and recent attempts from the store, lag and dead letters from Kafka.

- connectors: the status each worker last reported (``connector_view``), and the workers with
  their heartbeats: ``hub connect`` workers and ``hub run`` processes with the partitions they
  hold (``hub.store.delivery_workers``), shown to those who see connectors;
- recent attempts: per subscription, its newest ``RECENT_CAP`` log rows within ``window_s``
  (the log's (subscription, id) index makes this a bounded read however large the log is);
- consumer lag: each subscription's feed group's committed offsets against the partitions'
  ends (records not yet resolved, as ``kafka-consumer-groups`` would say);
- dead letters: unresolved entries of each subscription's dead-letter topic, the same list
  ``hub deliveries dead-letters`` shows, read for all subscriptions side by side;
- quarantine: per connector, the changes its quarantine topics hold that republish has not
  sent on, with their latest reasons (``hub.services.quarantine``), when the caller sees connectors.

Kafka answers are bounded by ``KAFKA_TIMEOUT_S``; without them the overview still comes back,
with ``broker`` saying why the Kafka columns are empty.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bus.admin import KafkaAdmin
from hub.delivery.control import dead_letter
from hub.delivery.pipeline.feeds import topic_pattern
from hub.delivery.sink import feed_group
from hub.observability import kafka_reads
from hub.observability.connector_view import ConnectorHealth, connector_health
from hub.observability.status_view import FAILED_OUTCOMES, Facts, Overview, RecentAttempts, overview
from hub.observability.visibility import Visible, everyone
from hub.services.quarantine.service import QuarantineService
from hub.services.quarantine.summary import HeldSummary
from hub.settings import Settings
from hub.store import connectors as stored_connectors
from hub.store import delivery_workers
from hub.store import subscriptions as stored_subscriptions
from hub.store.base import Store
from hub.store.deliveries import NOT_TRIES, DeliveryAttempt
from hub.subscriptions.model import Subscription
from schemas.errors import HubError

RECENT_CAP = 5000
KAFKA_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class _Stored:
    connectors: list[ConnectorHealth]
    subscriptions: list[Subscription]
    recent: dict[str, RecentAttempts]
    workers: list[tuple[str, datetime]]
    delivery_workers: list[delivery_workers.DeliveryWorker]


@dataclass
class StatusLookup:
    store: Store
    settings: Settings
    window_s: float = 900.0

    async def overview(
        self,
        *,
        subscription_visible: Visible = everyone,
        connector_visible: Callable[[str], bool] = lambda _: True,
        workers_visible: bool = True,
    ) -> Overview:
        stored = await asyncio.to_thread(
            self._stored, subscription_visible, connector_visible, workers_visible
        )
        try:
            async with asyncio.timeout(KAFKA_TIMEOUT_S):
                lag, dead = await self._from_kafka(stored.subscriptions)
            broker = "ok"
        except (HubError, TimeoutError) as exc:
            lag, dead = None, None
            broker = f"{getattr(exc, 'code', 'timeout')}: {getattr(exc, 'message', 'no answer in time')}"
        held = await self._held(stored.connectors) if broker == "ok" else None
        facts = Facts(
            stored.connectors, stored.subscriptions, stored.recent, lag, dead, broker, self.window_s,
            datetime.now(UTC), held, stored.workers, stored.delivery_workers,
        )  # fmt: skip
        return overview(facts)

    def _stored(
        self, subscription_visible: Visible, connector_visible: Callable[[str], bool], workers_visible: bool
    ) -> _Stored:
        since = datetime.now(UTC) - timedelta(seconds=self.window_s)
        with self.store.session() as session:
            connectors = [connector_health(c) for c in stored_connectors.list_all(session)]
            subscriptions = [
                sub
                for sub in stored_subscriptions.list_all(session)
                if subscription_visible(sub.id, sub.owner)
            ]
            recent = {sub.id: _recent(session, sub.id, since) for sub in subscriptions}
            workers = stored_connectors.workers(session) if workers_visible else []
            running = delivery_workers.list_all(session) if workers_visible else []
        visible = [c for c in connectors if connector_visible(c.name)]
        return _Stored(visible, subscriptions, recent, workers, running)

    async def _held(self, connectors: Sequence[ConnectorHealth]) -> dict[str, HeldSummary] | None:
        """Held changes per connector; None (unknown) when the quarantine topics cannot be read in time."""
        if not connectors:
            return {}
        try:
            async with asyncio.timeout(KAFKA_TIMEOUT_S):
                return await QuarantineService(self.store, self.settings).summary()
        except (HubError, TimeoutError):
            return None

    async def _from_kafka(
        self, subscriptions: Sequence[Subscription]
    ) -> tuple[dict[str, int], dict[str, int]]:
        bootstrap = self.settings.kafka_address()
        lag = await consumer_lag(bootstrap, subscriptions)
        letters = await asyncio.gather(
            *(dead_letter.list_dead_letters(bootstrap, sub.id) for sub in subscriptions)
        )
        return lag, {sub.id: len(found) for sub, found in zip(subscriptions, letters, strict=True)}


def _recent(session: Session, subscription_id: str, since: datetime) -> RecentAttempts:
    query = (
        select(DeliveryAttempt.outcome, DeliveryAttempt.started_at, DeliveryAttempt.error_code)
        .where(DeliveryAttempt.subscription_id == subscription_id)
        .order_by(DeliveryAttempt.id.desc())
        .limit(RECENT_CAP)
    )
    rows = [row for row in session.execute(query) if row.started_at >= since]
    tries = [row for row in rows if row.outcome not in NOT_TRIES]
    failed = [row for row in tries if row.outcome in FAILED_OUTCOMES]
    delivered = [row.started_at for row in tries if row.outcome == "delivered"]
    return RecentAttempts(
        attempts=len(tries),
        failures=len(failed),
        last_delivered_at=max(delivered, default=None),
        last_error=failed[0].error_code if failed else None,
    )


async def consumer_lag(bootstrap: str, subscriptions: Sequence[Subscription]) -> dict[str, int]:
    """Per subscription, feed records its group has not committed past (from the start if never)."""
    if not subscriptions:
        return {}
    wanted = {sub.id: re.compile(topic_pattern(sub.feeds)) for sub in subscriptions}
    read = "|".join(f"(?:{pattern.pattern})" for pattern in wanted.values())
    bounds = await kafka_reads.partition_bounds(
        bootstrap, await KafkaAdmin(bootstrap).partitions(pattern=read)
    )
    groups = {sub.id: feed_group(sub.id) for sub in subscriptions}
    committed = await kafka_reads.committed_offsets(bootstrap, list(groups.values()))
    lag = {}
    for sid, pattern in wanted.items():
        offsets = committed.get(groups[sid], {})
        lag[sid] = sum(
            end - offsets.get(tp, start) for tp, (start, end) in bounds.items() if pattern.match(tp.topic)
        )
    return lag


__all__ = ["StatusLookup", "consumer_lag"]
