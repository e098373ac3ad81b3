"""Liveness and readiness probes, outside ``/v1`` because orchestrators call them, not clients.

``/healthz`` answers as long as the process serves requests; ``/readyz`` also proves the store
answers, so a pod whose database is unreachable leaves the load balancer instead of failing
every request.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from hub.api.dependencies import StoreDep
from schemas.errors import HubError

router = APIRouter(tags=["health"])


class StoreUnavailable(HubError):
    code = "store_unavailable"
    status = 503
    retriable = True


class Health(BaseModel):
    status: Literal["ok"] = "ok"


@router.get("/healthz")
async def healthz() -> Health:
    return Health()


@router.get("/readyz")
def readyz(store: StoreDep) -> Health:
    try:
        with store.session() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise StoreUnavailable("the control-plane store does not answer") from exc
    return Health()
