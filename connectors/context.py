"""What the runtime hands a source when it builds one: ``SourceContext``.

A source gets everything it needs from the runtime through this one value, so sources never
reach for globals or the control-plane store (``connectors`` never imports ``hub``):

- ``position``: the last position the runtime committed (after Kafka acknowledged everything
  before it), or ``None`` when the connector never committed one: start with a snapshot.
  Positions are opaque strings to the runtime; a source may encode anything it needs to resume
  (an LSN, a watermark and key, snapshot progress as JSON) as long as its order is its own.
- ``snapshot_tables``: tables an operator asked to snapshot again at this start (empty usually).
- ``log``: a logger already named for the connector (never log a config: it holds secrets).
- ``status``: where a source reports its phase and its own estimate of how far behind it is.
- ``stop``: set when the task is stopping; long waits inside ``read`` should end early on it.
- ``shard``: the share of the keys this task owns when the connector runs several tasks
  (``connectors.shards``); ``None`` means every key.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from connectors.shards import TaskShard


@dataclass
class SourceStatus:
    """Written by the source, read by the runtime's status report (no locking: one event loop)."""

    phase: str = "starting"  # the source's own words: "snapshot", "streaming", "polling"...
    backlog_changes: int | None = None  # changes known to be waiting in the source, if it can tell
    backlog_seconds: float | None = None  # age of the oldest change not yet read, if it can tell

    def set_phase(self, phase: str) -> None:
        self.phase = phase

    def set_backlog(self, changes: int | None = None, seconds: float | None = None) -> None:
        self.backlog_changes, self.backlog_seconds = changes, seconds


@dataclass(frozen=True)
class SourceContext:
    connector: str
    position: str | None
    log: logging.Logger | logging.LoggerAdapter[logging.Logger]
    status: SourceStatus = field(default_factory=SourceStatus)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    snapshot_tables: tuple[str, ...] = ()
    shard: TaskShard | None = None


__all__ = ["SourceContext", "SourceStatus"]
