"""Liveness and readiness probes, outside ``/v1`` because orchestrators call them, not clients.

``/healthz`` answers as long as the process serves requests. ``/readyz`` also proves that both
dependencies answer, the store and the Kafka broker (each probe bounded in time, run side by
side), so a pod that cannot reach either leaves the load balancer instead of failing every
request; the 503 problem names the one that failed (``store_unavailable`` /
``broker_unavailable``).
"""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from hub.api.dependencies import SettingsDep, StoreDep
from hub.api.problems import problem_responses
from hub.observability.readiness import check_broker, check_store

router = APIRouter(tags=["health"])


class ProbeOut(BaseModel):
    status: Literal["ok"] = "ok"


@router.get("/healthz")
async def healthz() -> ProbeOut:
    return ProbeOut()


@router.get("/readyz", responses=problem_responses(503))
async def readyz(store: StoreDep, settings: SettingsDep) -> ProbeOut:
    store_probe, broker_probe = await asyncio.gather(
        check_store(store), check_broker(settings), return_exceptions=True
    )
    for failed in (store_probe, broker_probe):
        if isinstance(failed, BaseException):
            raise failed
    return ProbeOut()
