"""``/v1/quarantine``: the changes connectors could not publish, and sending them on once fixed.

- ``GET /quarantine?connector=&feed=&held=``: the quarantine records, oldest first per
  partition, with their reason and whether republish already sent them;
- ``GET /quarantine/{id}``: one record with the event as quarantined;
- ``POST /quarantine/republish`` ``{"connector", "feed", "ids"}``: map and check the held
  changes again with the connector's current config and contract, send those that pass, in
  order and once (``hub.services.quarantine.service``); audited as ``quarantine.republish`` per connector.
  Only the caller's connectors' changes are touched (a named connector that is not theirs is
  refused; others' changes on a shared feed are left alone).

Same roles as connectors (``hub.access.policy``): operators and the publisher owning the
connector (its domains) read; republishing writes, so it is the owning publisher's (and an
admin's). A record is checked against the connector its CloudEvent ``source`` names.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import Field

from hub.access.policy import Resource, allows, authorize
from hub.api.auth import AuditorDep, PrincipalDep
from hub.api.bodies import RequestBody
from hub.api.dependencies import SettingsDep, StoreDep
from hub.api.problems import problem_responses
from hub.api.routers.trace import feed_topic
from hub.services.connectors import ConnectorService
from hub.services.quarantine.entries import QuarantineEntry, parse_id
from hub.services.quarantine.service import QuarantineService, RepublishReport, Selection
from hub.services.resources import stored_connector_resource
from hub.store.base import Store

router = APIRouter(prefix="/quarantine", tags=["quarantine"])

EntryId = Annotated[str, Path(max_length=300, description="<feed topic>.quarantine:<partition>:<offset>")]
FeedQuery = Annotated[
    str | None, Query(max_length=249, description="event type (vn.gov.<domain>.<entity>.vN) or feed topic")
]
ConnectorQuery = Annotated[str | None, Query(max_length=63, description="only this connector's records")]


class RepublishBody(RequestBody):
    connector: str | None = Field(default=None, max_length=63, description="only this connector's records")
    feed: str | None = Field(default=None, max_length=249, description="only this feed (event type or topic)")
    ids: list[str] = Field(default_factory=list, max_length=1000, description="only these entries")


def _resources(store: Store) -> dict[str, Resource]:
    return {item.name: stored_connector_resource(item) for item in ConnectorService(store).list_all()}


def _operator_only(name: str | None) -> Resource:
    """A record naming no registered connector: only roles reaching every connector see it."""
    return Resource("connector", id=name or "?")


@router.get("")
async def list_quarantine(
    store: StoreDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    connector: ConnectorQuery = None,
    feed: FeedQuery = None,
    held: Annotated[bool, Query(description="only records republish has not sent on")] = False,
) -> list[QuarantineEntry]:
    selection = Selection(connector=connector, feed_topic=feed_topic(feed) if feed else None)
    found = await QuarantineService(store, settings).entries(selection, held_only=held)
    resources = await asyncio.to_thread(_resources, store)
    return [
        entry
        for entry, _record in found
        if allows(principal, "read", resources.get(entry.connector or "", _operator_only(entry.connector)))
    ]


@router.get("/{entry_id}", responses=problem_responses(404))
async def show_quarantine(
    entry_id: EntryId, store: StoreDep, settings: SettingsDep, principal: PrincipalDep
) -> QuarantineEntry:
    entry = await QuarantineService(store, settings).show(parse_id(entry_id))
    resources = await asyncio.to_thread(_resources, store)
    authorize(principal, "read", resources.get(entry.connector or "", _operator_only(entry.connector)))
    return entry


@router.post("/republish")
async def republish_quarantine(
    body: RepublishBody, store: StoreDep, settings: SettingsDep, principal: PrincipalDep, auditor: AuditorDep
) -> RepublishReport:
    """Map and check the held changes again; send those that pass, in order, once."""
    selection = Selection(
        connector=body.connector,
        feed_topic=feed_topic(body.feed) if body.feed else None,
        ids=tuple(parse_id(value) for value in body.ids),
    )
    resources = await asyncio.to_thread(_resources, store)
    if body.connector is not None:  # named: refused outright when not the caller's
        authorize(principal, "write", resources.get(body.connector, _operator_only(body.connector)))

    def may_write(connector: str | None) -> bool:
        return allows(principal, "write", resources.get(connector or "", _operator_only(connector)))

    report = await QuarantineService(store, settings).republish(selection, may_write, actor=principal.org)
    for connector in sorted({line.connector or "?" for line in report.items}):
        lines = [line for line in report.items if (line.connector or "?") == connector]
        await asyncio.to_thread(
            auditor.record, "quarantine.republish", "connector", connector,
            after={"republished": [line.id for line in lines if line.outcome == "republished"],
                   "held": [line.id for line in lines if line.outcome == "held"]},
        )  # fmt: skip
    return report
