"""The ops view: connectors, subscriptions across organisations, lag, workers, quarantine,
the trace timeline and the audit trail.

As in the portal view, each page calls the API handler answering the same question (``GET
/v1/status``, ``/v1/quarantine``, ``/v1/events/{id}/trace``, ``/v1/audit``...) with the viewer's
principal, so an operator sees here exactly what the API and ``hub status`` / ``hub trace`` show.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from hub.api.console.pages import ConsoleRoute, render
from hub.api.console.viewer import Viewer, checked_form, signed_in
from hub.api.dependencies import get_settings, get_store
from hub.api.routers import access as access_api
from hub.api.routers import connectors as connectors_api
from hub.api.routers import quarantine as quarantine_api
from hub.api.routers import status as status_api
from hub.api.routers import trace as trace_api
from hub.api.routers.connectors import ConnectorName
from hub.observability.trace_model import EventTrace
from hub.services.audit import Auditor
from schemas.errors import InvalidInput

router = APIRouter(prefix="/console/ops", route_class=ConsoleRoute, include_in_schema=False)

Text = Annotated[str, Query(max_length=300)]
ReadsConnectors = Annotated[Viewer, Depends(signed_in("connector", "read"))]


@router.get("")
async def overview(request: Request, viewer: ReadsConnectors) -> Response:
    found = await status_api.status(get_store(request), get_settings(request), viewer.principal)
    return render(request, "ops.html", viewer, overview=found)


@router.get("/connectors/{name}")
async def connector(request: Request, name: ConnectorName, viewer: ReadsConnectors) -> Response:
    store = get_store(request)
    found = await asyncio.to_thread(connectors_api.connector_status, name, store, viewer.principal)
    return render(request, "connector.html", viewer, c=found)


@router.get("/quarantine")
async def quarantine(
    request: Request, viewer: ReadsConnectors, connector: Text = "", held: bool = False
) -> Response:
    items = await quarantine_api.list_quarantine(
        get_store(request), get_settings(request), viewer.principal, connector or None, None, held
    )
    return render(
        request, "quarantine.html", viewer, items=items, connector=connector, held=held, report=None
    )


@router.post("/quarantine/republish")
async def republish(
    request: Request,
    viewer: Annotated[Viewer, Depends(signed_in("connector", "write"))],
    form: Annotated[FormData, Depends(checked_form)],
) -> Response:
    chosen = [str(value) for value in form.getlist("ids")]
    if not chosen:
        raise InvalidInput("choose the quarantined changes to republish")
    store, settings = get_store(request), get_settings(request)
    body = quarantine_api.RepublishBody(ids=chosen)
    report = await quarantine_api.republish_quarantine(
        body, store, settings, viewer.principal, Auditor(store, viewer.principal)
    )
    items = await quarantine_api.list_quarantine(store, settings, viewer.principal, None, None, False)
    return render(request, "quarantine.html", viewer, items=items, connector="", held=False, report=report)


@router.get("/trace")
async def trace(
    request: Request,
    viewer: Annotated[Viewer, Depends(signed_in("delivery", "read"))],
    event_id: Text = "",
    feed: Text = "",
    key: Text = "",
) -> Response:
    store, settings = get_store(request), get_settings(request)
    events: list[EventTrace] = []
    if event_id:
        events = [await trace_api.event_trace(event_id.strip(), store, settings, viewer.principal)]
    elif feed and key:
        found = await trace_api.record_trace(feed.strip(), key.strip(), store, settings, viewer.principal)
        events = found.events
    searched = bool(event_id or (feed and key))
    return render(
        request, "trace.html", viewer, events=events, searched=searched, event_id=event_id, feed=feed, key=key
    )


@router.get("/audit")
async def audit_trail(
    request: Request,
    viewer: Annotated[Viewer, Depends(signed_in("audit", "read"))],
    actor: Text = "",
    action: Text = "",
    before_id: Annotated[int | None, Query(ge=1, le=access_api.MAX_ID)] = None,
) -> Response:
    page = await asyncio.to_thread(
        access_api.list_audit, get_store(request), viewer.principal, actor or None, None, None,
        action or None, before_id, 100,
    )  # fmt: skip
    return render(
        request, "audit.html", viewer, items=page.items, next_before_id=page.next_before_id, actor=actor,
        action=action,
    )  # fmt: skip
