"""Backfill end to end on the real Kafka: a province subscribing after 10,000 records exist.

Each test runs the supervisor (state keeper, job runner, backfill lane, live lanes) in the test's
loop against real reference receivers, with its own feed topic, keeper group and store.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hub.delivery.backfill import state_reader
from hub.delivery.backfill.runner import JobRunner
from hub.observability.trace_lookup import TraceLookup
from hub.store import state_jobs
from hub.store import subscriptions as stored
from hub.subscriptions.model import Subscription, SubscriptionSpec
from hub.subscriptions.secrets import SigningSecrets
from schemas.admin_units import default_normaliser
from schemas.events import ChangeEvent, ChangePayload, Op, SourceInfo
from schemas.naming import backfill_topic
from tests.hub.delivery.harness import FAST_SCHEDULE, Deployment, Portal, by_key
from tests.hub.delivery.waiting import eventually

pytestmark = pytest.mark.integration

HA_GIANG = "00688"  # a commune of Hà Giang (pre-merger code), since 2025 in Tuyên Quang (08)
HA_NOI = "00097"


def keep_state(d: Deployment, unique: str, rate_per_s: float = 5000.0) -> None:
    d.settings = d.settings.model_copy(
        update={"state_keeper_group": f"hub.state-keeper.{unique}", "backfill_rate_per_s": rate_per_s}
    )


def subscribe_backfilled(d: Deployment, name: str, portal: Portal, **spec: Any) -> tuple[Subscription, int]:
    """A new subscription and its backfill job, in one transaction (no live lane runs before)."""
    spec.setdefault("feeds", [d.event_type])
    spec.setdefault("retry", {"schedule_s": FAST_SCHEDULE})
    body = SubscriptionSpec.model_validate(
        {"id": f"{name}-{d.domain[1:]}", "endpoint_url": portal.hook, **spec}
    )
    with d.store.session() as session:
        sub = stored.insert(session, body, SigningSecrets(portal.secret))
        job = state_jobs.insert(session, sub.id, "backfill", {}, "test")
        return sub, job.id


def job(d: Deployment, sid: str, job_id: int) -> state_jobs.StateJob:
    with d.store.session() as session:
        return state_jobs.get(session, sid, job_id)


def version(
    d: Deployment, key: str, n: int, unit: str, *, op: Op = Op.UPDATE, prev: str | None = None
) -> ChangeEvent:
    event = d.event(key, n, adminunit=unit)
    if op == Op.DELETE:
        source = SourceInfo(connector="hotich", database="hotich", table="birth", position=f"{key}/{n}")
        event = event.model_copy(update={"data": ChangePayload(op=op, before={"id": key}, source=source)})
    return event.model_copy(update={"adminunitprev": prev}) if prev else event


def history(d: Deployment) -> tuple[list[ChangeEvent], dict[str, str]]:
    """10,000 records, a third in Hà Giang's communes; some updated, deleted, moved to Hà Nội.
    Returns the events and, per record Tuyên Quang holds at the end, its latest event id."""
    unit = {i: HA_GIANG if i % 3 == 0 else HA_NOI for i in range(10_000)}
    events = [d.event(f"k{i}", 1, adminunit=unit[i]) for i in range(10_000)]
    events += [version(d, f"k{i}", 2, unit[i]) for i in range(300)]
    events += [version(d, f"k{i}", 2, unit[i], op=Op.DELETE) for i in range(300, 360)]
    events += [version(d, f"k{i}", 2, HA_NOI, prev=unit[i]) for i in range(360, 390)]
    latest: dict[str, str] = {}
    for event in events:
        if event.data.op == Op.DELETE or event.adminunit != HA_GIANG:
            latest.pop(event.subject, None)
        else:
            latest[event.subject] = event.id
    return events, latest


async def test_a_province_receives_each_record_of_its_units_once_then_live_without_gap(
    hub_deployment: Deployment, unique: str
) -> None:
    d = hub_deployment
    keep_state(d, unique)
    events, latest = history(d)
    await d.publish(*events)
    everyone, province = await d.portal(), await d.portal()
    other = d.subscribe("all", everyone, delivery={"mode": "batch", "batch_max_events": 200})
    tq, job_id = subscribe_backfilled(d, "tq", province, filter={"admin_units": ["08"]})
    async with d.hub():
        await eventually(lambda: job(d, tq.id, job_id).state == "done", timeout_s=120)
        done = job(d, tq.id, job_id)
        backfilled = await province.event_ids()
        assert sorted(backfilled) == sorted(latest.values())  # each record once, its latest state
        assert (await province.stats())["duplicates"] == 0  # no event under a second webhook-id
        counts = (done.total, done.scanned, done.selected, done.produced, done.delivered)
        assert counts == (10_000 - 60, 10_000 - 60, len(latest), len(latest), len(latest))

        live = [d.event(f"new{i}", 1, adminunit=HA_GIANG) for i in range(30)]
        live += [version(d, f"k{i}", 3, HA_GIANG) for i in range(0, 90, 3)]
        await d.publish(*live)
        await eventually(lambda: province.has(len(latest) + len(live)), timeout_s=60)
        await eventually(lambda: everyone.has(len(events) + len(live)), timeout_s=120)

    received = await province.event_ids()
    assert sorted(received) == sorted([*latest.values(), *(e.id for e in live)])
    assert (await province.stats())["duplicates"] == 0
    assert all(versions == sorted(versions) for versions in by_key(received).values())  # per-key order
    assert sorted(await everyone.event_ids()) == sorted(e.id for e in [*events, *live])  # nothing of it
    assert {a.topic for a in d.attempts(subscription_id=other.id)} == {d.topic}
    assert {a.topic for a in d.attempts(subscription_id=tq.id)} == {d.topic, backfill_topic(tq.id)}
    (hop,) = d.attempts(subscription_id=tq.id, event_id=latest["k3"])  # the trace shows its backfill hop
    trace = await TraceLookup(d.store, d.settings, default_normaliser()).event(latest["k3"])
    where = f"{hop.topic} partition {hop.partition} offset {hop.offset}"
    routed = [h.detail for h in trace.hops if h.kind == "routed" and h.subscription_id == tq.id]
    assert routed == [f"lane=backfill, job {job_id} ({where})"]


async def test_a_job_stopped_midway_resumes_from_its_cursor_without_loss(
    hub_deployment: Deployment, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = hub_deployment
    keep_state(d, unique)
    events = [d.event(f"k{i}", 1, adminunit=HA_GIANG) for i in range(2000)]
    await d.publish(*events)
    province = await d.portal()
    tq, job_id = subscribe_backfilled(d, "tq", province, filter={"admin_units": ["08"]})

    produce = JobRunner._produce_batch

    async def slowly(self: JobRunner, *args: Any) -> None:
        await asyncio.sleep(0.1)
        await produce(self, *args)

    monkeypatch.setattr(state_reader, "MAX_RECORDS", 50)
    monkeypatch.setattr(JobRunner, "_produce_batch", slowly)
    async with d.hub():
        await eventually(lambda: job(d, tq.id, job_id).produced >= 300, timeout_s=60)
    stopped = job(d, tq.id, job_id)
    assert stopped.state == "running" and stopped.produced < 2000  # its process is gone mid-way

    monkeypatch.setattr(JobRunner, "_produce_batch", produce)
    async with d.hub(job_lease_s=1.0):
        await eventually(lambda: job(d, tq.id, job_id).state == "done", timeout_s=90)
        await eventually(lambda: province.has(2000), timeout_s=30)
    assert sorted(await province.event_ids()) == sorted(e.id for e in events)
    resumed = job(d, tq.id, job_id)
    assert resumed.total == 2000 and resumed.produced >= 2000
