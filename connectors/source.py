"""The source plugin interface: what every connector kind implements.

Call order, per running task::

    await source.start()            # connect; create or reuse slot/publication/watermark state
    while running:
        batch = await source.read() # the next changes (may be empty when idle)
        ... produce every change to Kafka and wait for the acknowledgements ...
        await source.commit(batch.position)   # only now may the source forget them
    await source.stop()

Guarantee asked of implementations: after ``commit(p)``, a restarted source never re-reads
changes at or before ``p``; before it, a restarted source re-reads them (at-least-once, with
the same positions, hence the same event ids). ``read`` must return within a bounded time
even when the database is idle, so the runtime can heartbeat, pause and stop promptly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from schemas.errors import InvalidInput
from schemas.events import Op


@dataclass(frozen=True)
class Change:
    """One captured row change, before it becomes a CloudEvent."""

    table: str  # "schema.table" (or the outbox's aggregate type in outbox mode)
    op: Op
    key: dict[str, Any]
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    position: str  # unique and ordered within the source: LSN, or watermark + key
    txid: str | None = None
    commit_time: datetime | None = None
    snapshot: bool = False
    unchanged_toast: tuple[str, ...] = ()  # columns whose value the source did not send
    event_type: str | None = None  # outbox mode: the application chose the type...
    event_id: str | None = None  # ...and the id; otherwise both derive from the feed and position
    traceparent: str | None = None  # outbox mode: the trace context the application wrote, if any
    rejected: InvalidInput | None = None  # read, but unpublishable: goes to quarantine with this reason
    admin_unit: str | None = None  # a mapped table's unit, computed by its mapping (connectors.mapping)
    identity: dict[str, Any] | None = None  # the row's primary key, when ``key`` is other columns


@dataclass(frozen=True)
class Batch:
    changes: list[Change] = field(default_factory=list)
    position: str | None = None  # what to commit once every change above is acknowledged


class Source(Protocol):
    async def start(self) -> None: ...

    async def read(self) -> Batch: ...

    async def commit(self, position: str) -> None: ...

    async def stop(self) -> None: ...
