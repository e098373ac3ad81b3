"""The audit trail: who changed what through the control plane, when, from what to what.

``record`` appends one entry in the caller's session, so an entry commits with the change it
describes (or not at all). ``Auditor`` does the same in its own transaction, for routers whose
services own their sessions: the entry follows the committed change. Before and after are
JSON documents with secrets masked (``mask``): keys that name secrets become ``***`` and any
text that looks like a credential (a ``whsec_`` secret, a ``hub_`` token, a DSN password) is
redacted by the same rules as the logs.

``AuditExporter`` copies entries, in order, to the ``hub.audit`` Kafka topic as CloudEvents
(binary mode, ``ce_id`` = ``audit-<entry id>``, so a re-export after a crash repeats the same
ids). Its position moves only after Kafka has acknowledged: at-least-once, nothing skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from bus.admin import KafkaAdmin
from bus.ports import Producer
from bus.producer import KafkaProducer
from hub.access.principals import Principal
from hub.store import access as rows
from hub.store.access import AuditQuery
from hub.store.base import Store, utcnow
from hub.telemetry.logs import MASK, redact
from schemas.errors import BusError
from schemas.naming import AUDIT_TOPIC

log = logging.getLogger(__name__)
SECRET_KEY = re.compile(r"(secret|password|passwd|api_key|private_key|credential|token)s?$", re.I)
CE_SOURCE = "urn:vn-gov-hub:control-plane"
CE_TYPE = "vn.gov.hub.audit-entry.v1"
EXPORT_BATCH = 500


class AuditEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    token_id: str | None
    action: str
    resource_kind: str
    resource_id: str
    before: Any
    after: Any
    purpose: str | None


def mask(document: Any) -> Any:
    """A copy with secret-named keys masked and credential-looking text redacted."""
    if isinstance(document, Mapping):
        return {
            key: MASK if SECRET_KEY.search(str(key)) and value is not None else mask(value)
            for key, value in document.items()
        }
    if isinstance(document, list | tuple):
        return [mask(item) for item in document]
    if isinstance(document, str):
        return redact(document)
    return document


def _jsonable(document: Any) -> Any:
    if isinstance(document, BaseModel):
        document = document.model_dump(mode="json")
    return mask(json.loads(json.dumps(document, default=str))) if document is not None else None


def record(
    session: Session,
    principal: Principal,
    action: str,
    kind: str,
    resource_id: str,
    *,
    before: Any = None,
    after: Any = None,
    purpose: str | None = None,
) -> AuditEntry:
    """Append one entry in ``session`` (it commits with the change it describes)."""
    row = rows.append_audit(
        session,
        rows.AuditRow(
            at=utcnow(),
            actor=principal.org,
            token_id=principal.token_id,
            action=action,
            resource_kind=kind,
            resource_id=resource_id[:300],
            before=_jsonable(before),
            after=_jsonable(after),
            purpose=purpose[:1000] if purpose else None,
        ),
    )
    return AuditEntry.model_validate(row)


@dataclass(frozen=True)
class Auditor:
    """``record`` bound to a caller, in a transaction of its own (see module docstring)."""

    store: Store
    principal: Principal

    def record(
        self, action: str, kind: str, resource_id: str, *, before: Any = None, after: Any = None
    ) -> None:
        with self.store.session() as session:
            record(session, self.principal, action, kind, resource_id, before=before, after=after)


def entries(store: Store, query: AuditQuery) -> list[AuditEntry]:
    with store.session() as session:
        return [AuditEntry.model_validate(row) for row in rows.audit_entries(session, query)]


class AuditExporter:
    """Copies new audit entries to ``topic`` every ``interval_s`` (see module docstring)."""

    def __init__(self, store: Store, bootstrap: str, *, topic: str = AUDIT_TOPIC) -> None:
        self.store = store
        self.bootstrap = bootstrap
        self.topic = topic

    async def run(self, stop: asyncio.Event, interval_s: float = 1.0) -> None:
        producer = await self._started_producer()
        try:
            while not stop.is_set():
                await self._export_all(producer)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(interval_s):
                        await stop.wait()
        finally:
            await producer.stop()

    async def export_once(self) -> int:
        """Export everything not exported yet; the number of entries sent."""
        producer = await self._started_producer()
        try:
            return await self._export_all(producer)
        finally:
            await producer.stop()

    async def _started_producer(self) -> Producer:
        await KafkaAdmin(self.bootstrap).create_topics([self.topic], partitions=1)  # one total order
        producer = KafkaProducer(self.bootstrap)
        try:
            await producer.start()
        except BusError as exc:
            raise BusError(f"cannot start the audit exporter's producer: {exc}") from exc
        return producer

    async def _export_all(self, producer: Producer) -> int:
        sent = 0
        while batch := await asyncio.to_thread(self._next_batch):
            try:
                for entry in batch:
                    await producer.send_and_wait(self.topic, **_message(entry))
            except BusError as exc:
                raise BusError(f"cannot export audit entries to {self.topic}: {exc}") from exc
            await asyncio.to_thread(self._advance, batch[-1].id)
            sent += len(batch)
        return sent

    def _next_batch(self) -> list[AuditEntry]:
        with self.store.session() as session:
            after = rows.export_position(session, self.topic)
            query = rows.AuditQuery(after_id=after, limit=EXPORT_BATCH, oldest_first=True)
            return [AuditEntry.model_validate(row) for row in rows.audit_entries(session, query)]

    def _advance(self, last_id: int) -> None:
        with self.store.session() as session:
            rows.set_export_position(session, self.topic, last_id)


def _message(entry: AuditEntry) -> dict[str, Any]:
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", f"audit-{entry.id}".encode()),
        ("ce_source", CE_SOURCE.encode()),
        ("ce_type", CE_TYPE.encode()),
        ("ce_subject", f"{entry.resource_kind}/{entry.resource_id}".encode()),
        ("ce_time", entry.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ").encode()),
        ("content-type", b"application/json"),
    ]
    return {
        "key": f"{entry.resource_kind}/{entry.resource_id}".encode(),
        "value": entry.model_dump_json().encode(),
        "headers": headers,
    }


__all__ = ["AuditEntry", "AuditExporter", "AuditQuery", "Auditor", "entries", "mask", "record"]
