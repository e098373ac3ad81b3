"""The observable state of a running connector task, as the status API shows it.

``TaskState`` is the task's life cycle::

    starting -> running <-> paused
        |          |
        v          v
    restarting (retriable error; backoff, then starting again)
    failed     (permanent error, e.g. a replication slot that vanished; waits for an operator)
    stopped    (the worker let go of it: shutdown, deleted, or lease lost)

``TaskStatus.document()`` is what workers write to the control-plane store and the API returns;
counters are cumulative across restarts and workers (a task starts from the stored ones).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from schemas.errors import HubError


class TaskState(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    PAUSED = "paused"
    RESTARTING = "restarting"
    FAILED = "failed"
    STOPPED = "stopped"


@dataclass(frozen=True)
class ErrorInfo:
    code: str
    message: str
    at: datetime
    retriable: bool

    @classmethod
    def of(cls, error: BaseException, at: datetime) -> ErrorInfo:
        if isinstance(error, HubError):
            return cls(error.code, error.message, at, error.retriable)
        return cls("internal_error", f"{type(error).__name__}: {error}", at, True)


@dataclass
class TaskStatus:
    state: TaskState = TaskState.STARTING
    phase: str | None = None
    position: str | None = None
    last_error: ErrorInfo | None = None
    events_published: int = 0
    events_quarantined: int = 0
    events_snapshot: int = 0  # snapshot rows published: the snapshot's progress
    errors: int = 0  # failures of the task, retriable or not
    lag_changes: int | None = None
    lag_seconds: float | None = None
    restarts: int = 0
    next_restart_at: datetime | None = None
    last_event_at: datetime | None = None
    updated_at: datetime | None = None
    worker: str | None = field(default=None)
    skipped: dict[str, Any] | None = None  # the last change an operator skipped: position, table, why

    def document(self) -> dict[str, Any]:
        body = asdict(self)
        for name, value in body.items():
            if isinstance(value, datetime):
                body[name] = value.isoformat()
        if self.last_error is not None:
            body["last_error"] = {**asdict(self.last_error), "at": self.last_error.at.isoformat()}
        return body

    @classmethod
    def counters_from(cls, document: dict[str, Any] | None) -> TaskStatus:
        """A fresh status carrying on the cumulative counters of a stored one."""
        stored = document or {}
        return cls(
            events_published=int(stored.get("events_published") or 0),
            events_quarantined=int(stored.get("events_quarantined") or 0),
            events_snapshot=int(stored.get("events_snapshot") or 0),
            errors=int(stored.get("errors") or 0),
            restarts=int(stored.get("restarts") or 0),
            position=stored.get("position"),
        )


__all__ = ["ErrorInfo", "TaskState", "TaskStatus"]
