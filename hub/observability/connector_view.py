"""What operators see of one connector, read from the status its worker last reported.

Workers write ``connectors.status.TaskStatus.document()`` into the control-plane store every
heartbeat; the status screen and the metrics both read it through ``connector_health`` so they
never disagree. A status is only as fresh as its worker's last heartbeat: ``status_age_s`` says
how old it is, and a connector nobody holds a live lease on reports ``unassigned`` whatever its
last document said (its worker died or was stopped).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hub.store.connectors import StoredConnector


@dataclass(frozen=True)
class ConnectorHealth:
    name: str
    kind: str
    state: str
    phase: str | None
    worker: str | None
    paused: bool
    position: str | None
    events_published: int
    events_quarantined: int
    events_snapshot: int
    errors: int
    restarts: int
    lag_seconds: float | None
    lag_changes: int | None
    last_error: str | None
    status_age_s: float | None

    @property
    def snapshotting(self) -> bool:
        return (self.phase or "").startswith("snapshot")


def _count(status: dict[str, Any], name: str) -> int:
    return int(status.get(name) or 0)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _age_s(status: dict[str, Any], now: datetime) -> float | None:
    stamp = status.get("updated_at")
    if not stamp:
        return None
    return max((now - datetime.fromisoformat(stamp)).total_seconds(), 0.0)


def _last_error(status: dict[str, Any]) -> str | None:
    error = status.get("last_error")
    if not isinstance(error, dict):
        return None
    return f"{error.get('code')}: {error.get('message')}"


def connector_health(stored: StoredConnector, now: datetime | None = None) -> ConnectorHealth:
    """The connector as its worker last reported it (never its config: that holds secrets)."""
    now = now or datetime.now(UTC)
    status = stored.status or {}
    holder = stored.holder(now)
    state = str(status.get("state") or "unassigned") if holder else "unassigned"
    return ConnectorHealth(
        name=stored.name,
        kind=stored.kind,
        state=state,
        phase=status.get("phase"),
        worker=holder,
        paused=stored.paused,
        position=stored.position,
        events_published=_count(status, "events_published"),
        events_quarantined=_count(status, "events_quarantined"),
        events_snapshot=_count(status, "events_snapshot"),
        errors=_count(status, "errors"),
        restarts=_count(status, "restarts"),
        lag_seconds=_float(status.get("lag_seconds")),
        lag_changes=None if status.get("lag_changes") is None else int(status["lag_changes"]),
        last_error=_last_error(status),
        status_age_s=_age_s(status, now),
    )


__all__ = ["ConnectorHealth", "connector_health"]
