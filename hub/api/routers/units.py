"""``/v1/units``: the administrative-units versions routing decides by, and loading a newer one.

- ``GET /units``: the shipped version and every loaded one, which is active, and the re-homing
  jobs each load started;
- ``POST /units``: the body is a version file (``docs/guide/admin-unit-versions.md``); checked,
  stored, activated, then one re-homing job started per subscription whose scope it moves
  (201, with what it moves and the jobs). Refused with ``invalid_units_file``,
  ``unknown_units_parent``, ``units_version_not_newer`` or ``units_version_exists``; nothing changes;
- ``POST /units/diff`` ``{"old", "new"}``: each a version name or a version file (as JSON): what
  the new one moves against the old one, without loading anything;
- ``GET /units/{version}/rehoming``: each re-homing job of that version's load with its progress;
- ``POST /units/{version}/rehome``: start the jobs that did not start (one was already running).

Admins only: the route's tag maps to no kind of resource (``hub.api.auth``), and boundaries
change what every subscriber receives. Audited as ``units.load``.
"""

from __future__ import annotations

import asyncio
import json
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import Field, field_validator

from hub.api.auth import PrincipalDep
from hub.api.bodies import RequestBody, json_depth
from hub.api.dependencies import StoreDep
from hub.api.problems import problem_responses
from hub.services import state_jobs
from hub.services.rehoming import RehomingJob
from hub.services.units import DiffView, LoadReport, RehomingProgress, UnitsService, UnitsVersionView
from schemas.admin_units import FILE_FORMAT

router = APIRouter(prefix="/units", tags=["units"])

VersionPath = Annotated[str, Path(max_length=20, pattern=r"^\d{4}\.\d{2}(\.\d{1,3})?$")]
_FILE_BODY = {
    "requestBody": {
        "required": True,
        "description": f"a version file ({FILE_FORMAT})",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


def get_units_service(store: StoreDep) -> UnitsService:
    """The service with the state-job runner's starter and reader (``hub.services.state_jobs``):
    a load queues one ``rehome`` job per affected subscription, which ``hub run`` executes."""
    return UnitsService(
        store, starter=partial(state_jobs.start_job, store), jobs=partial(state_jobs.get_job, store)
    )


ServiceDep = Annotated[UnitsService, Depends(get_units_service)]


MAX_FILE_DEPTH = 10  # a version file nests 7 deep (converter -> ... -> a split's successors)


class DiffBody(RequestBody):
    old: str | dict[str, Any] = Field(description="a version name, or a version file as JSON")
    new: str | dict[str, Any] = Field(description="a version name, or a version file as JSON")

    @field_validator("old", "new")
    @classmethod
    def _shallow(cls, value: str | dict[str, Any]) -> str | dict[str, Any]:
        if json_depth(value) > MAX_FILE_DEPTH:
            raise ValueError(f"nested deeper than {MAX_FILE_DEPTH}: not a version file")
        return value


def _given(value: str | dict[str, Any]) -> str | bytes:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False).encode()


@router.get("")
async def list_units(service: ServiceDep) -> list[UnitsVersionView]:
    return await asyncio.to_thread(service.versions)


@router.post("", status_code=201, responses=problem_responses(404, 409), openapi_extra=_FILE_BODY)
async def load_units(request: Request, service: ServiceDep, principal: PrincipalDep) -> LoadReport:
    """Check, store and activate a version file, then start re-homing."""
    raw = await request.body()
    return await asyncio.to_thread(service.load, raw, principal)


@router.post("/diff", responses=problem_responses(404, 409))
async def diff_units(body: DiffBody, service: ServiceDep) -> DiffView:
    """What ``new`` moves against ``old``; nothing is loaded."""
    changes = await asyncio.to_thread(service.diff, _given(body.old), _given(body.new))
    return DiffView.of(changes)


@router.get("/{version}/rehoming", responses=problem_responses(404))
async def rehoming_progress(version: VersionPath, service: ServiceDep) -> list[RehomingProgress]:
    return await asyncio.to_thread(service.rehoming, version)


@router.post("/{version}/rehome", responses=problem_responses(404))
async def rehome(version: VersionPath, service: ServiceDep, principal: PrincipalDep) -> list[RehomingJob]:
    """Start the re-homing jobs of ``version`` that did not start."""
    return await asyncio.to_thread(service.rehome, version, principal)
