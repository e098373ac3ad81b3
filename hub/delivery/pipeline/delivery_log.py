"""The buffered writer of the delivery log: attempts and filter counts reach the store in batches.

Delivery never waits on the store row by row: entries are buffered and written every
``interval_s`` (and before offsets are committed) in one transaction, off the event loop. If the
store is unavailable the entries are kept, up to ``max_buffered``; past that the oldest are
dropped and counted, because pushing events matters more than logging them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter, deque
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from hub.delivery.pipeline.job import Job
from hub.delivery.push.exchange import Exchange
from hub.delivery.route_log import RoutedEvents
from hub.store import deliveries, routed_events
from hub.store.base import Store
from hub.telemetry import metrics

log = logging.getLogger(__name__)
MAX_TEXT = 1000
_NO_EXCHANGE = Exchange({}).log_fields() | {"request_headers": None}  # parked, duplicate: nothing sent


def _when(epoch_s: float | None) -> datetime | None:
    return None if not epoch_s else datetime.fromtimestamp(epoch_s, UTC)


class DeliveryLog:
    def __init__(self, store: Store, *, max_buffered: int = 200_000) -> None:
        self._store = store
        self._attempts: deque[dict[str, Any]] = deque(maxlen=max_buffered)
        self._counts: Counter[tuple[str, str, bool]] = Counter()
        self._lock = asyncio.Lock()
        self.dropped = 0
        self.routes = RoutedEvents()  # the events sinks read, for the trace (``routes.seen``)

    def attempt(
        self,
        subscription_id: str,
        job: Job,
        *,
        started_at: float,
        outcome: deliveries.Outcome,
        status_code: int | None = None,
        latency_ms: float | None = None,
        error_code: str | None = None,
        error: str | None = None,
        number: int | None = None,
        exchange: Exchange | None = None,
    ) -> None:
        """One try (``number``: the job's attempt count then, when it has moved on since)."""
        if len(self._attempts) == self._attempts.maxlen:
            self.dropped += 1
            metrics.log_dropped()
        source = job.event.data.source
        metrics.observe_attempt(
            subscription_id, outcome, latency_ms=latency_ms, committed_at=source.commit_time or job.event.time
        )
        self._attempts.append(
            {
                "subscription_id": subscription_id,
                "event_id": job.event.id,
                "record_key": job.key[:500],
                "topic": job.origin.topic,
                "partition": job.origin.partition,
                "offset": job.origin.offset,
                "attempt": job.attempts if number is None else number,
                "stage": job.stage,
                "scheduled_at": _when(job.scheduled_at),
                "started_at": _when(started_at),
                "status_code": status_code,
                "latency_ms": latency_ms,
                "outcome": outcome,
                "error_code": error_code,
                "error": error[:MAX_TEXT] if error else None,
                **(exchange.log_fields() if exchange else _NO_EXCHANGE),
            }
        )

    def filtered(self, subscription_id: str, topic: str, *, matched: bool) -> None:
        self._counts[(subscription_id, topic, matched)] += 1
        metrics.observe_decision(subscription_id, matched)

    async def flush(self) -> None:
        async with self._lock:
            rows = list(self._attempts)
            counts = self._take_counts()
            events = self.routes.take()
            self._attempts.clear()
            if not rows and not counts and not events:
                return
            write = asyncio.ensure_future(asyncio.to_thread(self._write, rows, counts, events))
            try:
                await asyncio.shield(write)
            except asyncio.CancelledError:
                # the flusher is stopped mid-write: the thread writes on regardless, and a stop
                # must not return before it has (the last flush, which waits for this lock, would
                # find nothing to do, and a reader of the log could miss the last rows)
                with contextlib.suppress(Exception):
                    await write
                raise
            except SQLAlchemyError:
                log.exception("delivery log write failed; %d entries kept for the next flush", len(rows))
                self._attempts.extendleft(reversed(rows))
                self._restore_counts(counts)
                self.routes.restore(events)

    async def run(self, interval_s: float = 0.5) -> None:
        while True:
            await asyncio.sleep(interval_s)
            await self.flush()

    def _take_counts(self) -> dict[tuple[str, str], tuple[int, int]]:
        totals: dict[tuple[str, str], tuple[int, int]] = {}
        for (subscription_id, topic, matched), n in self._counts.items():
            was = totals.get((subscription_id, topic), (0, 0))
            totals[(subscription_id, topic)] = (was[0] + n, was[1]) if matched else (was[0], was[1] + n)
        self._counts.clear()
        return totals

    def _restore_counts(self, counts: dict[tuple[str, str], tuple[int, int]]) -> None:
        for (subscription_id, topic), (matched, filtered_out) in counts.items():
            self._counts[(subscription_id, topic, True)] += matched
            self._counts[(subscription_id, topic, False)] += filtered_out

    def _write(
        self,
        rows: list[dict[str, Any]],
        counts: dict[tuple[str, str], tuple[int, int]],
        events: list[dict[str, Any]],
    ) -> None:
        with self._store.session() as session:
            routed_events.add(session, events)
            deliveries.add_attempts(session, rows)
            deliveries.add_filter_counts(session, counts)


__all__ = ["DeliveryLog"]
