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
its masks (``**********``) keeps the stored secrets, unless it changes where or as whom the
connector connects (``password_required``: the password must be sent again). With
``HUB_CONNECTOR_HOST_ALLOWLIST`` set, a host off it is ``connector_host_not_allowed``. A body
that does not parse is 422 before any authorisation decision (which reads its feeds).

Commands (pause, resume, restart, snapshot, skip) are recorded in the store and applied by the worker
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
from connectors.config import SLUG_PATTERN, ConnectorConfigBase, public_document
from connectors.preview import PreviewTable, preview, sample_rows
from hub.access.policy import allows, authorize
from hub.access.principals import Principal
from hub.api.auth import AuditorDep, PrincipalDep
from hub.api.bodies import RequestBody
from hub.api.dependencies import SettingsDep, StoreDep
from hub.api.errors import NameMismatch
from hub.api.problems import problem_responses
from hub.services.audit import Auditor
from hub.services.connector_targets import ConnectorHostPolicy, with_kept_secrets
from hub.services.connectors import ConnectorService, StoredConnector, StoredTask
from hub.services.resources import check_connector, connector_resource, stored_connector_resource
from hub.settings import Settings
from hub.store.base import Store, utcnow
from schemas.errors import HubError

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


class SkipOut(ConnectorOut):
    skip_after: str | None = Field(description="the committed position the skipped change follows")


class ErrorOut(BaseModel):
    code: str
    message: str
    at: datetime
    retriable: bool


class TaskOut(BaseModel):
    """One task of a key-sharded connector (``tasks: N``): its own lease, position and counters."""

    name: str = Field(description="<connector>#<i>")
    state: str
    worker: str | None = None
    phase: str | None = None
    position: str | None = None
    last_error: ErrorOut | None = None
    events_published: int = 0
    lag_seconds: float | None = None


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
    skipped: dict[str, Any] | None = Field(
        default=None, description="the last change an operator skipped: position, table, reason, at"
    )
    updated_at: datetime | None = None
    tasks: list[TaskOut] = Field(
        default_factory=list, description="a key-sharded connector's tasks (empty for one task)"
    )


class SnapshotBody(RequestBody):
    tables: list[str] = Field(min_length=1, description='"schema.table" names among the connector\'s feeds')


def _state(item: StoredConnector) -> tuple[str, str | None]:
    worker = item.holder(utcnow())
    if worker is None or not item.status:
        return UNASSIGNED, None
    return str(item.status.get("state", UNASSIGNED)), worker


def _public_config(item: StoredConnector) -> dict[str, Any]:
    try:
        return public_document(registry.parse_config(item.document))
    except HubError:  # its kind is gone from this build: show nothing that could be a secret
        return {"name": item.name, "kind": item.kind}


def _out(item: StoredConnector) -> ConnectorOut:
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


def _status_out(item: StoredConnector) -> StatusOut:
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
            "tasks": [_task_out(task) for task in item.tasks],
        }
    )


def _task_out(task: StoredTask) -> TaskOut:
    worker = task.holder(utcnow())
    reported = task.status or {}
    state = str(reported.get("state", UNASSIGNED)) if worker and reported else UNASSIGNED
    fields = {k: v for k, v in reported.items() if k in TaskOut.model_fields}
    return TaskOut.model_validate(
        {**fields, "name": task.name, "state": state, "worker": worker, "position": task.position}
    )


def _commanded(auditor: Auditor, command: str, out: ConnectorOut) -> ConnectorOut:
    auditor.record(f"connector.{command}", "connector", out.name, after=out)
    return out


def _service(store: Store, settings: Settings) -> ConnectorService:
    return ConnectorService(store, ConnectorHostPolicy.from_entries(settings.connector_host_allowlist))


def _authorized(principal: Principal, document: dict[str, Any]) -> ConnectorConfigBase:
    """The document parsed, then the caller's right to write it: a malformed body is 422 whoever
    sends it, never a 403 computed from fields that did not parse."""
    config = registry.parse_config(document)
    authorize(principal, "write", connector_resource(config.name, [feed.event_type for feed in config.feeds]))
    return config


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_connector(
    document: ConfigBody, store: StoreDep, settings: SettingsDep, principal: PrincipalDep, auditor: AuditorDep
) -> ConnectorOut:
    _authorized(principal, document)
    service = _service(store, settings)
    await asyncio.to_thread(service.refuse_existing, document.get("name"))  # before the slow live checks
    config = await service.checked(document)
    created = _out(await asyncio.to_thread(service.insert, config))
    await asyncio.to_thread(auditor.record, "connector.create", "connector", created.name, after=created)
    return created


@router.post("/test")
async def test_connector(
    document: ConfigBody,
    store: StoreDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="rows read per table")] = 10,
) -> list[PreviewTable]:
    """The first rows of each table as they would be published (key, admin unit, payload), or
    why each would be quarantined; nothing is published or saved."""
    config = _authorized(principal, document)
    service = _service(store, settings)
    service.hosts.check(config)
    await service.contracts_known(config)
    rows = await asyncio.to_thread(sample_rows, config, limit)
    return await asyncio.to_thread(preview, config, rows, service.contracts())


@router.get("")
def list_connectors(store: StoreDep, principal: PrincipalDep) -> list[ConnectorOut]:
    found = ConnectorService(store).list_all()
    return [_out(item) for item in found if allows(principal, "read", stored_connector_resource(item))]


@router.get("/{name}")
def get_connector(name: ConnectorName, store: StoreDep, principal: PrincipalDep) -> ConnectorOut:
    check_connector(store, principal, "read", name)
    return _out(ConnectorService(store).get(name))


@router.put("/{name}")
async def put_connector(
    name: ConnectorName,
    document: ConfigBody,
    store: StoreDep,
    settings: SettingsDep,
    response: Response,
    principal: PrincipalDep,
    auditor: AuditorDep,
) -> ConnectorOut:
    """Create (201) or replace (200); masked secrets sent back keep their stored values, as long
    as the connection goes to the same server, database and user (else ``password_required``)."""
    if document.setdefault("name", name) != name:
        raise NameMismatch(f"body name {document['name']!r} differs from the path's {name!r}")
    _authorized(principal, document)
    service = _service(store, settings)
    existing = await asyncio.to_thread(service.find, name)
    if existing is None:
        response.status_code = status.HTTP_201_CREATED
        created = _out(await asyncio.to_thread(service.insert, await service.checked(document)))
        await asyncio.to_thread(auditor.record, "connector.create", "connector", name, after=created)
        return created
    authorize(principal, "write", stored_connector_resource(existing))
    config = await service.checked(with_kept_secrets(document, existing.document))
    replaced = _out(await asyncio.to_thread(service.replace, config))
    await asyncio.to_thread(
        auditor.record, "connector.replace", "connector", name, before=_out(existing), after=replaced
    )
    return replaced


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT)
def delete_connector(
    name: ConnectorName, store: StoreDep, principal: PrincipalDep, auditor: AuditorDep
) -> None:
    check_connector(store, principal, "write", name)
    before = _out(ConnectorService(store).delete(name))
    auditor.record("connector.delete", "connector", name, before=before)


@router.get("/{name}/status")
def connector_status(name: ConnectorName, store: StoreDep, principal: PrincipalDep) -> StatusOut:
    check_connector(store, principal, "read", name)
    return _status_out(ConnectorService(store).get(name))


@router.post("/{name}/pause", status_code=status.HTTP_202_ACCEPTED)
def pause_connector(
    name: ConnectorName, store: StoreDep, principal: PrincipalDep, auditor: AuditorDep
) -> ConnectorOut:
    check_connector(store, principal, "write", name)
    return _commanded(auditor, "pause", _out(ConnectorService(store).set_paused(name, True)))


@router.post("/{name}/resume", status_code=status.HTTP_202_ACCEPTED)
def resume_connector(
    name: ConnectorName, store: StoreDep, principal: PrincipalDep, auditor: AuditorDep
) -> ConnectorOut:
    check_connector(store, principal, "write", name)
    return _commanded(auditor, "resume", _out(ConnectorService(store).set_paused(name, False)))


@router.post("/{name}/restart", status_code=status.HTTP_202_ACCEPTED)
def restart_connector(
    name: ConnectorName, store: StoreDep, principal: PrincipalDep, auditor: AuditorDep
) -> ConnectorOut:
    check_connector(store, principal, "write", name)
    return _commanded(auditor, "restart", _out(ConnectorService(store).request_restart(name)))


@router.post("/{name}/skip", status_code=status.HTTP_202_ACCEPTED, responses=problem_responses(409))
def skip_held_change(
    name: ConnectorName, store: StoreDep, principal: PrincipalDep, auditor: AuditorDep
) -> SkipOut:
    """Move past the change the connector cannot publish (409 ``nothing_held`` unless it is
    failing or restarting): its worker sends that change to quarantine as
    ``skipped_by_operator`` and goes on; ``hub quarantine republish`` can send it later."""
    check_connector(store, principal, "write", name)
    before = ConnectorService(store).get(name)
    requested = ConnectorService(store).request_skip(name)
    out = SkipOut(**_out(requested).model_dump(), skip_after=requested.skip_after or None)
    auditor.record(
        "connector.skip", "connector", name,
        before={"position": before.position, "last_error": (before.status or {}).get("last_error")},
        after={"skip_after": requested.skip_after},
    )  # fmt: skip
    return out


@router.post("/{name}/snapshot", status_code=status.HTTP_202_ACCEPTED)
def snapshot_tables(
    name: ConnectorName, body: SnapshotBody, store: StoreDep, principal: PrincipalDep, auditor: AuditorDep
) -> ConnectorOut:
    """Re-snapshot chosen tables (after a restore, or to backfill a new subscriber)."""
    check_connector(store, principal, "write", name)
    requested = _out(ConnectorService(store).request_snapshot(name, body.tables))
    return _commanded(auditor, "snapshot", requested)
