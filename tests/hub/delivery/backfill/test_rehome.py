"""Re-homing end to end on the real Kafka: a boundaries version loaded through the API while the
hub runs moves two communes of Thái Nguyên (19) into Xã Ngọc Đường (00700) of Tuyên Quang (08).

The hub is ``hub run``'s engine (supervisor following the active version) in the test's loop,
against real receivers; the version is loaded with ``POST /v1/units`` as ``hub units load`` does.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.access.principals import SYSTEM_DELIVERY as SYSTEM
from hub.api import create_app
from hub.delivery.control.supervisor import SupervisorOptions
from hub.processes.run import supervisor
from hub.routing.rehome import rehomed_out_id
from hub.services import state_jobs
from hub.services.active_units import ActiveUnits, active_units, following
from hub.services.rehoming import rehome_params
from hub.services.units import UnitsService
from schemas.events import ChangeEvent, Op
from tests.hub.access.auth import admin_token, bearer
from tests.hub.delivery.backfill.test_backfill import keep_state, version
from tests.hub.delivery.harness import Deployment, Portal
from tests.hub.delivery.waiting import eventually

pytestmark = pytest.mark.integration

MERGE = Path(__file__).parents[3] / "fixtures" / "admin_units" / "units-2026.01-merge.json"
NEW_VERSION = "2026.01"
PHONG_QUANG, BANG_THANH, NGOC_DUONG = "01849", "01864", "00700"  # the first two join the third
BAC_KAN = "01843"  # a commune of Thái Nguyên that stays
HA_GIANG_1 = "00694"  # a commune of Tuyên Quang that stays
HONG_HA = "00097"  # Hà Nội


@asynccontextmanager
async def hub_run(d: Deployment) -> AsyncIterator[ActiveUnits]:
    """``hub run``'s engine: the supervisor routing by the active version, following loads."""
    service = UnitsService(d.store)
    units = active_units(service)
    engine = supervisor(d.settings, d.store, SupervisorOptions(poll_s=0.2), units)
    stop = asyncio.Event()
    run = following(engine.run, service, units)  # polls the active version every 5 s, as hub run

    async def running() -> None:
        await run(stop)

    task = asyncio.create_task(running())
    try:
        yield units
    finally:
        stop.set()
        async with asyncio.timeout(20):
            await task


@asynccontextmanager
async def api(d: Deployment) -> AsyncIterator[httpx.AsyncClient]:
    """The control-plane API (``hub api``) on the deployment's store, as an admin."""
    app = create_app(d.settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        admin = bearer(admin_token(app.state.store))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://hub.test", headers=admin
        ) as client:
            yield client


def history(d: Deployment) -> list[ChangeEvent]:
    """Records in both merged communes (created, updated, one deleted) and elsewhere in 19 and 08."""
    return [
        d.event("a1", 1, adminunit=PHONG_QUANG),
        d.event("a2", 1, adminunit=PHONG_QUANG),
        version(d, "a2", 2, PHONG_QUANG),
        d.event("a3", 1, adminunit=PHONG_QUANG),
        version(d, "a3", 2, PHONG_QUANG, op=Op.DELETE),
        d.event("b1", 1, adminunit=BANG_THANH),
        d.event("b2", 1, adminunit=BANG_THANH),
        version(d, "b2", 2, BANG_THANH),
        d.event("c1", 1, adminunit=BAC_KAN),
        version(d, "c1", 2, BAC_KAN),
        d.event("t1", 1, adminunit=HA_GIANG_1),
        d.event("t2", 1, adminunit=NGOC_DUONG),
        d.event("h1", 1, adminunit=HONG_HA),
    ]


async def events_of(portal: Portal) -> dict[str, dict[str, Any]]:
    return {event["id"]: event for push in await portal.received() for event in push["events"]}


async def test_loading_a_merger_moves_records_out_of_one_province_into_another(
    hub_deployment: Deployment, unique: str
) -> None:
    d = hub_deployment
    keep_state(d, unique)
    events = history(d)
    live_before = {e.subject: e for e in events}  # each record's latest event
    moving = {k: e.id for k, e in live_before.items() if k in {"a1", "a2", "b1", "b2"}}
    portals = {name: await d.portal() for name in ("p19", "w01849", "p08", "w00700", "w01843", "all")}
    areas = {"p19": "19", "w01849": PHONG_QUANG, "p08": "08", "w00700": NGOC_DUONG, "w01843": BAC_KAN}
    subs = {
        name: d.subscribe(name, portals[name], filter={"admin_units": [area]}) for name, area in areas.items()
    }
    subs["all"] = d.subscribe("all", portals["all"])
    await d.publish(*events)

    async with hub_run(d) as units, api(d) as client:
        expected_live = {"p19": 10, "w01849": 5, "p08": 2, "w00700": 1, "w01843": 2, "all": len(events)}
        for name, count in expected_live.items():
            await eventually(partial(portals[name].has, count), timeout_s=60)
        before = {name: set(await events_of(portal)) for name, portal in portals.items()}

        loaded = await client.post("/v1/units", content=MERGE.read_bytes())
        assert loaded.status_code == 201, loaded.text
        started = {job["subscription_id"]: job for job in loaded.json()["rehoming"]}
        rehomed = {name for name in subs if subs[name].id in started}
        assert rehomed == {"p19", "w01849", "p08", "w00700"}
        assert all(job["job_id"] is not None for job in started.values()), started

        async def ended() -> bool:
            progress = await client.get(f"/v1/units/{NEW_VERSION}/rehoming")
            assert progress.status_code == 200, progress.text
            return all(job["state"] in {"done", "failed"} for job in progress.json())

        await eventually(ended, timeout_s=120)
        assert units.version == NEW_VERSION  # a rehome job ends once its process routes by the new one
        progress = {
            job["subscription_id"]: job
            for job in (await client.get(f"/v1/units/{NEW_VERSION}/rehoming")).json()
        }
        counts = {
            name: (progress[subs[name].id]["state"], progress[subs[name].id]["total"],
                   progress[subs[name].id]["selected"], progress[subs[name].id]["delivered"])
            for name in rehomed
        }  # fmt: skip
        live_records = len(live_before) - 1  # a3 was deleted
        assert counts == {
            "p19": ("done", live_records, 4, 4),
            "w01849": ("done", live_records, 3, 3),
            "p08": ("done", live_records, 4, 4),
            "w00700": ("done", live_records, 4, 4),
        }

        p19_before_rerun = await events_of(portals["p19"])
        rerun = state_jobs.start_job(
            d.store, subs["p19"].id, kind="rehome", params=rehome_params("2025.07", NEW_VERSION), actor=SYSTEM
        )
        rerun_url = f"/v1/subscriptions/{subs['p19'].id}/backfills/{rerun.id}"

        async def rerun_ended() -> bool:
            return (await client.get(rerun_url)).json()["state"] in {"done", "failed"}

        await eventually(rerun_ended, timeout_s=120)
        again = (await client.get(rerun_url)).json()
        assert (again["state"], again["selected"], again["delivered"]) == ("done", 4, 4), again
        assert await events_of(portals["p19"]) == p19_before_rerun  # redelivered under the same webhook-ids:
        assert (await portals["p19"].stats())["duplicates"] == 4  # the receiver dropped them as duplicates

        after = version(d, "a1", 2, PHONG_QUANG)  # still stamped with its old commune
        await d.publish(after)
        await eventually(lambda: portals["p08"].has(2 + 4 + 1), timeout_s=60)
        await eventually(lambda: portals["w00700"].has(1 + 4 + 1), timeout_s=60)
        await eventually(lambda: portals["w01849"].has(5 + 3 + 1), timeout_s=60)
        await eventually(lambda: portals["all"].has(len(events) + 1), timeout_s=60)
        await asyncio.sleep(2)  # time for a wrong delivery to 19 to show up

    received = {name: await events_of(portal) for name, portal in portals.items()}
    new = {name: {i: e for i, e in got.items() if i not in before[name]} for name, got in received.items()}

    outs = {rehomed_out_id(i, NEW_VERSION): k for k, i in moving.items()}
    assert set(new["p19"]) == set(outs)  # move-outs of exactly the live records, nothing else
    for out_id, key in outs.items():
        event = new["p19"][out_id]
        assert event["subject"] == key and event["adminunit"] == live_before[key].adminunit
        assert event["data"]["op"] == "d" and event["data"]["after"] is None
        assert event["data"]["moved"] == {"from": live_before[key].adminunit, "to": NGOC_DUONG}

    for name in ("p08", "w00700"):
        assert set(new[name]) == {*moving.values(), after.id}, name  # each moved record's latest state
    # ADR 012: a filter on a merged-away commune covers its successor, so it keeps its records
    # and gains the successor's others (nothing moves out of it).
    successor = {live_before[k].id for k in ("b1", "b2", "t2")}
    assert set(new["w01849"]) == {*successor, after.id}
    for name in ("p08", "w00700", "w01849"):
        assert (await portals[name].stats())["duplicates"] == 0, name  # each event under one webhook-id
    assert set(new["w01843"]) == set()  # unaffected
    assert set(new["all"]) == {after.id}  # nothing extra

    trace = (await _trace(d, moving["a2"]))["hops"]
    rehomed_hops = {hop["subscription_id"]: hop["detail"] for hop in trace if hop["kind"] == "rehomed"}
    assert rehomed_hops == {
        subs["p19"].id: f"administrative units {NEW_VERSION}: the record left this subscription's scope",
        subs["p08"].id: f"administrative units {NEW_VERSION}: the record entered this subscription's scope",
        subs[
            "w00700"
        ].id: f"administrative units {NEW_VERSION}: the record entered this subscription's scope",
    }


async def _trace(d: Deployment, event_id: str) -> dict[str, Any]:
    """``hub trace EVENT_ID``: the API's trace of one event."""
    async with api(d) as client:
        found = await client.get(f"/v1/events/{event_id}/trace")
        assert found.status_code == 200, found.text
        return dict(found.json())
