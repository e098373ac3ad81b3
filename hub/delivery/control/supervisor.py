"""Runs every runnable subscription's sink in one process (``hub run``), and keeps up with changes.

Every ``poll_s`` the supervisor reads the subscriptions (active and unhealthy ones run), their
signing secrets and pending replay requests from the control-plane store, then:

- starts sinks of new subscriptions, restarts sinks whose declaration or secrets changed (a
  change of state alone, e.g. active -> unhealthy, does not restart: the health clock goes on),
  stops sinks of paused, disabled or deleted subscriptions;
- restarts a sink that crashed, after ``restart_backoff_s``;
- disables a subscription whose stored declaration no longer validates, with the reason, instead
  of failing at every round;
- takes a pending replay request (one process does: ``claim_replay``) and copies its time
  window to the subscription's retry topic in the background, reporting progress
  (``hub.delivery.control.replay``); the sink keeps running and its live position never moves.

Several processes may run the same subscriptions; Kafka's consumer groups share the work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from bus.producer import KafkaProducer
from hub.delivery.control import replay
from hub.delivery.control.health import Health, Transition
from hub.delivery.pipeline.delivery_log import DeliveryLog
from hub.delivery.push.sender import Sender
from hub.delivery.sink import Sink, SinkContext
from hub.endpoint_safety import EndpointPolicy, safe_client
from hub.routing import AdminUnitIndex
from hub.services import admission
from hub.settings import Settings
from hub.store import deliveries
from hub.store import subscriptions as stored
from hub.store.base import Store
from hub.subscriptions.model import Subscription, SubscriptionState
from hub.subscriptions.secrets import SigningSecrets
from schemas.errors import HubError

log = logging.getLogger(__name__)
RUNNABLE: tuple[SubscriptionState, ...] = ("active", "unhealthy")
ClientFactory = Callable[[Subscription], httpx.AsyncClient]


@dataclass(frozen=True)
class Wanted:
    subscription: Subscription
    secrets: SigningSecrets
    headers: admission.Headers = ()  # the grants it runs under (hub.services.admission)

    @property
    def fingerprint(self) -> tuple[str, SigningSecrets, admission.Headers]:
        return (self.subscription.spec().model_dump_json(), self.secrets, self.headers)


@dataclass
class _Running:
    wanted: Wanted
    sink: Sink
    task: asyncio.Task[None]


@dataclass
class SupervisorOptions:
    poll_s: float = 1.0
    restart_backoff_s: float = 5.0
    log_flush_s: float = 0.5


@dataclass
class Supervisor:
    settings: Settings
    store: Store
    units: AdminUnitIndex
    options: SupervisorOptions = field(default_factory=SupervisorOptions)
    client_factory: ClientFactory | None = None
    sink_context: SinkContext | None = None
    _running: dict[str, _Running] = field(default_factory=dict)
    _health: dict[str, Health] = field(default_factory=dict)
    _crashed_at: dict[str, float] = field(default_factory=dict)
    _replays: dict[int, asyncio.Task[None]] = field(default_factory=dict)

    async def run(self, stop: asyncio.Event) -> None:
        """Supervise until ``stop`` is set; then stop every sink (each commits what it resolved)."""
        bootstrap = self.settings.kafka_address()
        producer = KafkaProducer(bootstrap)
        await producer.start()
        delivery_log = DeliveryLog(self.store)
        self.sink_context = SinkContext(bootstrap, producer, delivery_log, self.units, self._change_state)
        flusher = asyncio.create_task(delivery_log.run(self.options.log_flush_s))
        try:
            while not stop.is_set():
                await self.reconcile()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.options.poll_s):
                        await stop.wait()
        finally:
            for copying in list(self._replays.values()):
                copying.cancel()
            await asyncio.gather(*self._replays.values(), return_exceptions=True)
            await asyncio.gather(*(self._stop_sink(sid) for sid in list(self._running)))
            flusher.cancel()
            await delivery_log.flush()
            await producer.stop()

    def running(self) -> list[str]:
        return sorted(sid for sid, item in self._running.items() if not item.task.done())

    def sink(self, sid: str) -> Sink | None:
        """The sink running ``sid`` in this process, if any."""
        item = self._running.get(sid)
        return item.sink if item is not None else None

    async def reconcile(self) -> None:
        wanted, replays = await asyncio.to_thread(self._read_store)
        for sid in list(self._running):
            current = wanted.get(sid)
            item = self._running[sid]
            if current is None or current.fingerprint != item.wanted.fingerprint:
                await self._stop_sink(sid)
            elif item.task.done():
                self._reap(sid)
        for request in replays:
            await self._start_replay(request)
        for sid, target in wanted.items():
            if sid not in self._running and self._may_start(sid):
                self._start_sink(target)

    def _read_store(self) -> tuple[dict[str, Wanted], list[deliveries.ReplayRequest]]:
        with self.store.session() as session:
            for sid in stored.disable_unreadable(session, RUNNABLE):
                log.error("subscription %s disabled: its stored declaration is invalid", sid)
            subs = stored.list_all(session, states=RUNNABLE)
            admitted = admission.admit(session, subs, self.units, enforce=self.settings.auth_enabled)
            wanted = {
                a.subscription.id: Wanted(
                    a.subscription, stored.signing_secrets(session, a.subscription.id), a.headers
                )
                for a in admitted
            }
            return wanted, deliveries.pending_replays(session)

    def _may_start(self, sid: str) -> bool:
        crashed = self._crashed_at.get(sid)
        return crashed is None or time.monotonic() - crashed >= self.options.restart_backoff_s

    def _start_sink(self, wanted: Wanted) -> None:
        assert self.sink_context is not None
        sub = wanted.subscription
        health = self._health.setdefault(sub.id, Health(sub.unhealthy_after_s, sub.disable_after_s))
        health.unhealthy_after_s, health.disable_after_s = sub.unhealthy_after_s, sub.disable_after_s
        health.state = "unhealthy" if sub.state == "unhealthy" else health.state
        client = self._client(sub)
        client.headers.update(dict(wanted.headers))
        sender = Sender(sub.endpoint_url, client, wanted.secrets)
        sink = Sink(sub, sender, health, self.sink_context)
        task = asyncio.create_task(self._run_sink(sink), name=f"sink {sub.id}")
        self._running[sub.id] = _Running(wanted, sink, task)
        log.info("sink %s started", sub.id)

    async def _run_sink(self, sink: Sink) -> None:
        try:
            await sink.run()
        finally:
            await sink.sender.aclose()

    def _client(self, sub: Subscription) -> httpx.AsyncClient:
        if self.client_factory is not None:
            return self.client_factory(sub)
        policy = EndpointPolicy.from_settings(self.settings)
        return safe_client(
            policy, timeout_s=sub.delivery.timeout_s, max_connections=sub.delivery.max_in_flight
        )

    def _reap(self, sid: str) -> None:
        item = self._running.pop(sid)
        error = item.task.exception()
        if error is not None:
            log.error("sink %s failed: %s; restarting", sid, error, exc_info=error)
            self._crashed_at[sid] = time.monotonic()

    async def _stop_sink(self, sid: str) -> None:
        item = self._running.pop(sid, None)
        if item is None:
            return
        item.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await item.task
        log.info("sink %s stopped", sid)

    async def _start_replay(self, request: deliveries.ReplayRequest) -> None:
        """Take a pending request (one process does) and copy its window in the background."""
        to_time = request.to_time or datetime.now(UTC)
        if request.id in self._replays or not await asyncio.to_thread(
            self._claim_replay, request.id, to_time
        ):
            return
        task = asyncio.create_task(self._replay(request, to_time), name=f"replay {request.id}")
        self._replays[request.id] = task
        task.add_done_callback(lambda _done: self._replays.pop(request.id, None))

    async def _replay(self, request: deliveries.ReplayRequest, to_time: datetime) -> None:
        assert self.sink_context is not None
        subscription = await asyncio.to_thread(self._subscription, request.subscription_id)
        try:
            if subscription is None:
                raise HubError(f"subscription {request.subscription_id} no longer exists")
            copy = replay.WindowReplay(
                self.sink_context.bootstrap, self.sink_context.producer, subscription, self.units
            )
            done = await copy.run(request.from_time, to_time, lambda p: self._report_replay(request.id, p))
        except Exception as exc:  # the request says why, rather than staying "running"
            log.warning("replay %s of %s failed: %s", request.id, request.subscription_id, exc, exc_info=True)
            reason = exc.message if isinstance(exc, HubError) else f"{type(exc).__name__}: {exc}"
            await asyncio.to_thread(self._finish_replay, request.id, "failed", reason[:1000])
            return
        detail = f"{done.queued} of {done.total} record(s) in the window sent again for delivery"
        await asyncio.to_thread(self._finish_replay, request.id, "done", detail)
        log.info("replay %s of %s done: %s", request.id, request.subscription_id, detail)

    async def _report_replay(self, request_id: int, progress: replay.Progress) -> None:
        def write() -> None:
            with self.store.session() as session:
                deliveries.replay_progress(
                    session,
                    request_id,
                    total=progress.total,
                    scanned=progress.scanned,
                    queued=progress.queued,
                )

        await asyncio.to_thread(write)

    def _claim_replay(self, request_id: int, to_time: datetime) -> bool:
        with self.store.session() as session:
            return deliveries.claim_replay(session, request_id, to_time)

    def _subscription(self, subscription_id: str) -> Subscription | None:
        with self.store.session() as session:
            if not stored.exists(session, subscription_id):
                return None
            return stored.get(session, subscription_id)

    def _finish_replay(self, request_id: int, state: deliveries.ReplayState, detail: str) -> None:
        with self.store.session() as session:
            deliveries.finish_replay(session, request_id, state, detail)

    async def _change_state(self, subscription_id: str, transition: Transition) -> None:
        def write() -> None:
            with self.store.session() as session:
                stored.set_state(session, subscription_id, transition.state, transition.reason)

        await asyncio.to_thread(write)
        log.warning("subscription %s is now %s: %s", subscription_id, transition.state, transition.reason)


__all__ = ["Supervisor", "SupervisorOptions", "Wanted"]
