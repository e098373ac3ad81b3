"""``/v1/connectors``: register, read, replace and delete connectors; status and commands.

A connector config is refused before anything is stored when it cannot work, with a code that
names the problem: ``invalid_connector_config`` / ``unknown_connector_kind`` (the document),
``unknown_contract`` (a feed's event type has no contract, built-in or registered), then the
kind's own check against the live source (``source_unreachable``, ``table_missing``,
``no_replication_privilege``, ``wal_level_not_logical``, ``no_create_privilege``,
``publication_missing``, ``slot_in_use``, ``mapping_*``...), and a table feed or replication slot
another connector already has (409 ``feed_already_connected``, ``slot_claimed``). ``POST
/connectors/test`` shows the first rows as they would be published, saving nothing. Responses
never carry a password:
configs are shown through ``connectors.config.public_document``, and a document sent back with
its masks (``**********``) keeps the stored secrets.

Commands (pause, resume, restart, snapshot) are recorded in the store and applied by the worker
holding the connector at its next heartbeat (seconds); they answer 202 with the connector.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response, status
from pydantic import BaseModel, Field, GetJsonSchemaHandler, TypeAdapter
from pydantic_core import CoreSchema

from connectors import registry
from connectors.config import SLUG_PATTERN, ConnectorConfigBase, keep_masked_secrets, public_document
from connectors.preview import PreviewTable, preview, sample_rows
from hub.access.policy import allows, authorize
from hub.api.auth import AuditorDep, PrincipalDep
from hub.api.bodies import RequestBody
from hub.api.dependencies import StoreDep
from hub.api.errors import NameMismatch, UnknownTable
from hub.services.audit import Auditor
from hub.services.resources import check_connector, connector_document_resource, stored_connector_resource
from hub.services.subscriptions import registered_feed_names
from hub.store import connectors as stored
from hub.store.base import Store, utcnow
from schemas.errors import Conflict, HubError, UnknownContract

router = APIRouter(prefix="/connectors", tags=["connectors"])

ConnectorName = Annotated[str, Path(pattern=SLUG_PATTERN, description="e.g. land-db")]


class _DocumentedAs:
    """Shows a body read as a plain mapping as ``target`` in OpenAPI.

    The routes parse the document themselves (``registry.parse_config``), so a bad one gets the
    connector's own codes (``invalid_connector_config``, ``unknown_connector_kind``) and a PUT may
    leave out its ``name``; the published schema is still the typed union of the kinds' configs.
    """

    def __init__(self, target: Any) -> None:
        self.target = target

    def __get_pydantic_json_schema__(self, _schema: CoreSchema, handler: GetJsonSchemaHandler) -> Any:
        return handler(TypeAdapter(self.target).core_schema)


ConfigBody = Annotated[
    dict[str, Any],
    _DocumentedAs(registry.config_union()),
    Body(
        description="a connector config: name, kind (postgres_cdc, sql_polling...), feeds and the "
        "kind's own fields, as in `hub connectors apply -f connector.yaml` (docs/reference/connectors.md)",
        examples=[
            {
                "name": "land-db",
                "kind": "postgres_cdc",
                "dsn": "postgresql://hub@land-db.example:5432/land",
                "password": "...",
                "feeds": [{"table": "public.parcels", "event_type": "vn.gov.land.parcel.v1"}],
            }
        ],
    ),
]
UNASSIGNED = "unassigned"  # no live worker lease: nobody runs it right now


class ConnectorOut(BaseModel):
    name: str
    kind: str
    config: dict[str, Any] = Field(description="the config, every secret masked")
    paused: bool
    generation: int = Field(description="bumped by each config change")
    state: str = Field(description="the task's state, or 'unassigned' when no worker holds it")
    worker: str | None
    created_at: datetime
    updated_at: datetime


class ErrorOut(BaseModel):
    code: str
    message: str
    at: datetime
    retriable: bool


class StatusOut(BaseModel):
    name: str
    state: str
    paused: bool
    worker: str | None = None
    phase: str | None = Field(default=None, description="the source's phase: snapshot, streaming...")
    position: str | None = Field(default=None, description="last committed source position (LSN, watermark)")
    last_error: ErrorOut | None = None
    lag_changes: int | None = Field(
        default=None, description="changes not yet published, if the source can tell"
    )
    lag_seconds: float | None = Field(default=None, description="age of the newest change when published")
    events_published: int = 0
    events_quarantined: int = 0
    restarts: int = 0
    next_restart_at: datetime | None = None
    pending_snapshot: list[str] = Field(default_factory=list)
    updated_at: datetime | None = None


class SnapshotBody(RequestBody):
    tables: list[str] = Field(min_length=1, description='"schema.table" names among the connector\'s feeds')


def _state(item: stored.StoredConnector) -> tuple[str, str | None]:
    worker = item.holder(utcnow())
    if worker is None or not item.status:
        return UNASSIGNED, None
    return str(item.status.get("state", UNASSIGNED)), worker


def _public_config(item: stored.StoredConnector) -> dict[str, Any]:
    try:
        return public_document(registry.parse_config(item.document))
    except HubError:  # its kind is gone from this build: show nothing that could be a secret
        return {"name": item.name, "kind": item.kind}


def _out(item: stored.StoredConnector) -> ConnectorOut:
    state, worker = _state(item)
    return ConnectorOut(
        name=item.name,
        kind=item.kind,
        config=_public_config(item),
        paused=item.paused,
        generation=item.generation,
        state=state,
        worker=worker,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _status_out(item: stored.StoredConnector) -> StatusOut:
    state, worker = _state(item)
    reported = item.status or {}
    return StatusOut.model_validate(
        {
            **{k: v for k, v in reported.items() if k in StatusOut.model_fields},
            "name": item.name,
            "state": state,
            "paused": item.paused,
            "worker": worker,
            "position": item.position,
            "pending_snapshot": list(item.snapshot_tables),
        }
    )


class FeedAlreadyConnected(Conflict):
    code = "feed_already_connected"


class SlotClaimed(Conflict):
    """Another registered connector already names this replication slot on the same server."""

    code = "slot_claimed"


async def _checked(document: dict[str, Any], store: Store) -> ConnectorConfigBase:
    """Parse, then refuse a config that cannot work (contracts, claims, then the kind's live checks)."""
    config = registry.parse_config(document)
    await _contracts_known(config, store)
    await asyncio.to_thread(_check_claims, config, store)
    await asyncio.to_thread(registry.validate, config)
    return config


async def _contracts_known(config: ConnectorConfigBase, store: Store) -> None:
    known = await asyncio.to_thread(registered_feed_names, store)
    unknown = sorted({feed.event_type for feed in config.feeds} - set(known))
    if unknown:
        raise UnknownContract(
            f"no contract for event type(s) {', '.join(unknown)}: register the contract first",
            details={"event_types": unknown},
        )


def _check_claims(config: ConnectorConfigBase, store: Store) -> None:
    """Refuse a table feed or a replication slot another connector already has."""
    mine = config.claims()
    with store.session() as session:
        others = [item for item in stored.list_all(session) if item.name != config.name]
    for other in others:
        try:
            taken = registry.parse_config(other.document).claims()
        except HubError:  # a kind gone from this build claims nothing we can know
            continue
        for claim in sorted(set(mine) & set(taken)):
            error = SlotClaimed if claim.startswith("slot:") else FeedAlreadyConnected
            raise error(
                f"{mine[claim]} is already used by connector {other.name!r} on the same source: "
                + ("choose another slot_name" if error is SlotClaimed else "one connector per table+feed"),
                details={"connector": other.name, "claim": mine[claim]},
            )


def _find(store: Store, name: str) -> stored.StoredConnector | None:
    with store.session() as session:
        return stored.find(session, name)


def _in_session(store: Store, action: Any, *args: Any) -> stored.StoredConnector:
    with store.session() as session:
        result: stored.StoredConnector = action(session, *args)
        return result


def _commanded(auditor: Auditor, command: str, out: ConnectorOut) -> ConnectorOut:
    auditor.record(f"connector.{command}", "connector", out.name, after=out)
    return out


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_connector(
    document: ConfigBody, store: StoreDep, principal: PrincipalDep, auditor: AuditorDep
) -> ConnectorOut:
    authorize(principal, "write", connector_document_resource(document))
    name = document.get("name")
    if isinstance(name, str) and _find(store, name) is not None:  # before the slow live checks
        raise stored.ConnectorExists(f"connector {name!r} already exists")
    config = await _checked(document, store)
    created = _out(_in_session(store, stored.insert, config))
    await asyncio.to_thread(auditor.record, "connector.create", "connector", created.name, after=created)
    return created


@router.post("/test")
async def test_connector(
    document: ConfigBody,
    store: StoreDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="rows read per table")] = 10,
) -> list[PreviewTable]:
    """The first rows of each table as they would be published (key, admin unit, payload), or
    why each would be quarantined; nothing is published or saved."""
    authorize(principal, "write", connector_document_resource(document))
    config = registry.parse_config(document)
    await _contracts_known(config, store)
    rows = await asyncio.to_thread(sample_rows, config, limit)
    return await asyncio.to_thread(preview, config, rows)


@router.get("")
def list_connectors(store: StoreDep, principal: PrincipalDep) -> list[ConnectorOut]:
    with store.session() as session:
        found = stored.list_all(session)
    return [_out(item) for item in found if allows(principal, "read", stored_connector_resource(item))]


@router.get("/{name}")
def get_connector(name: ConnectorName, store: StoreDep, principal: PrincipalDep) -> ConnectorOut:
    check_connector(store, principal, "read", name)
    return _out(_in_session(store, stored.get, name))


@router.put("/{name}")
async def put_connector(
    name: ConnectorName,
    document: ConfigBody,
    store: StoreDep,
    response: Response,
    principal: PrincipalDep,
    auditor: AuditorDep,
) -> ConnectorOut:
    """Create (201) or replace (200); masked secrets sent back keep their stored values."""
    if document.setdefault("name", name) != name:
        raise NameMismatch(f"body name {document['name']!r} differs from the path's {name!r}")
    authorize(principal, "write", connector_document_resource(document))
    existing = _find(store, name)
    if existing is None:
        response.status_code = status.HTTP_201_CREATED
        created = _out(_in_session(store, stored.insert, await _checked(document, store)))
        await asyncio.to_thread(auditor.record, "connector.create", "connector", name, after=created)
        return created
    authorize(principal, "write", stored_connector_resource(existing))
    config = await _checked(keep_masked_secrets(document, existing.document), store)
    replaced = _out(_in_session(store, stored.replace, config))
    await asyncio.to_thread(
        auditor.record, "connector.replace", "connector", name, before=_out(existing), after=replaced
    )
    return replaced


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT)
def delete_connector(
    name: ConnectorName, store: StoreDep, principal: PrincipalDep, auditor: AuditorDep
) -> None:
    check_connector(store, principal, "write", name)
    with store.session() as session:
        before = _out(stored.get(session, name))
        stored.delete_connector(session, name)
    auditor.record("connector.delete", "connector", name, before=before)


@router.get("/{name}/status")
def connector_status(name: ConnectorName, store: StoreDep, principal: PrincipalDep) -> StatusOut:
    check_connector(store, principal, "read", name)
    return _status_out(_in_session(store, stored.get, name))


@router.post("/{name}/pause", status_code=status.HTTP_202_ACCEPTED)
def pause_connector(
    name: ConnectorName, store: StoreDep, principal: PrincipalDep, auditor: AuditorDep
) -> ConnectorOut:
    check_connector(store, principal, "write", name)
    return _commanded(auditor, "pause", _out(_in_session(store, stored.set_paused, name, True)))


@router.post("/{name}/resume", status_code=status.HTTP_202_ACCEPTED)
def resume_connector(
    name: ConnectorName, store: StoreDep, principal: PrincipalDep, auditor: AuditorDep
) -> ConnectorOut:
    check_connector(store, principal, "write", name)
    return _commanded(auditor, "resume", _out(_in_session(store, stored.set_paused, name, False)))


@router.post("/{name}/restart", status_code=status.HTTP_202_ACCEPTED)
def restart_connector(
    name: ConnectorName, store: StoreDep, principal: PrincipalDep, auditor: AuditorDep
) -> ConnectorOut:
    check_connector(store, principal, "write", name)
    return _commanded(auditor, "restart", _out(_in_session(store, stored.request_restart, name)))


@router.post("/{name}/snapshot", status_code=status.HTTP_202_ACCEPTED)
def snapshot_tables(
    name: ConnectorName, body: SnapshotBody, store: StoreDep, principal: PrincipalDep, auditor: AuditorDep
) -> ConnectorOut:
    """Re-snapshot chosen tables (after a restore, or to backfill a new subscriber)."""
    check_connector(store, principal, "write", name)
    with store.session() as session:
        tables = {feed["table"] for feed in stored.get(session, name).document.get("feeds", [])}
        unknown = sorted(set(body.tables) - tables)
        if unknown:
            raise UnknownTable(
                f"not a table of connector {name!r}: {', '.join(unknown)}", details={"tables": sorted(tables)}
            )
        requested = _out(stored.request_snapshot(session, name, body.tables))
    return _commanded(auditor, "snapshot", requested)
