"""``hub connectors test``: the first rows of each table as they would be published, or why not.

Reads up to N rows of each feed's table (a plain ``SELECT``, nothing created on the source) and
runs each through the publisher's own path (mapping, contract check, administrative unit), so
what it shows is what a running connector would publish; nothing is produced and nothing saved.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from connectors.config import ConnectorConfigBase, TableFeed
from connectors.contracts import BuiltinContracts, ContractCheck
from connectors.polling import sample as polling_sample
from connectors.polling.config import SqlPollingConfig
from connectors.postgres import sample as postgres_sample
from connectors.postgres.config import PostgresCdcConfig
from connectors.publisher import QUARANTINE_CODE_HEADER, Publisher
from connectors.source import Change
from schemas.errors import ConfigurationError
from schemas.events import Op


class PreviewUnsupported(ConfigurationError):
    code = "preview_unsupported"


class PreviewRow(BaseModel):
    key: str
    published: bool
    admin_unit: str | None = None
    payload: dict[str, Any] | None = Field(default=None, description="the row as the event carries it")
    reason: dict[str, Any] | None = Field(default=None, description="why it would be quarantined")
    dropped_columns: list[str] = Field(default_factory=list, description="source columns left behind")


class PreviewTable(BaseModel):
    table: str
    event_type: str
    rows: list[PreviewRow]


def sample_rows(config: ConnectorConfigBase, limit: int) -> dict[str, list[dict[str, Any]]]:
    """The first ``limit`` rows of each table of the config (blocking: run it in a thread)."""
    if isinstance(config, PostgresCdcConfig):
        return postgres_sample.sample_rows(config, limit)
    if isinstance(config, SqlPollingConfig):
        return polling_sample.sample_rows(config, limit)
    raise PreviewUnsupported(f"connectors of kind {config.kind} cannot be tested yet")


def preview(
    config: ConnectorConfigBase,
    rows: dict[str, list[dict[str, Any]]],
    contracts: ContractCheck | None = None,
) -> list[PreviewTable]:
    """Each feed's sample ``rows`` (table -> rows) as the connector would publish them."""
    publisher = Publisher(config, _NO_PRODUCER, contracts or BuiltinContracts())
    return [
        PreviewTable(
            table=feed.table,
            event_type=feed.event_type,
            rows=[_row(publisher, feed, row, n) for n, row in enumerate(rows.get(feed.table, []))],
        )
        for feed in config.feeds
    ]


def _row(publisher: Publisher, feed: TableFeed, row: dict[str, Any], n: int) -> PreviewRow:
    table = feed.table
    key_columns = feed.key or list(row)[:1]  # the feed's key, else the first column (usually the id)
    key = {column: row.get(column) for column in key_columns}
    change = Change(table, Op.READ, key, None, row, position=f"preview/{n}", snapshot=True)
    record = publisher.record(change)
    record.span.end()
    headers = dict(record.message.headers)
    body = json.loads(record.message.value)
    mapper = publisher.mappers.of(table)
    dropped = mapper.dropped(row) if mapper is not None else []
    shown_key = (record.message.key or b"").decode()
    if record.quarantined:
        reason = body["reason"]
        reason.setdefault("code", headers.get(QUARANTINE_CODE_HEADER, b"").decode())
        return PreviewRow(key=shown_key, published=False, reason=reason, dropped_columns=dropped)
    unit = headers.get("ce_adminunit")
    return PreviewRow(
        key=shown_key, published=True, admin_unit=unit.decode() if unit else None,
        payload=body.get("after"), dropped_columns=dropped,
    )  # fmt: skip


_NO_PRODUCER: Any = None  # ``Publisher.record`` builds records without producing them


__all__ = ["PreviewRow", "PreviewTable", "PreviewUnsupported", "preview", "sample_rows"]
