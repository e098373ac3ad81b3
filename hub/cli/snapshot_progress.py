"""Following a connector's snapshot from its status: rows published of the table's total, the
rate, and the time left, on the same bar as a followed backfill or replay.

The status is read from ``GET /v1/connectors/NAME/status``. A structured ``snapshot`` object
(``table``, ``rows``, ``total``, ``rows_per_s``), when the status carries one, is read first;
otherwise the phase the source reports (``snapshot public.khai_sinh: 1200 of ~50000 rows, 350
rows/s``) gives the table, the rows, the run's estimated total (the PostgreSQL source reads the
planner's row estimate once a run) and the rate. Without a total the bar counts rows and shows the
rate, and the time left stays unknown.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any, Protocol

from rich.console import Console

from hub.cli.progress import job_bar

_PHASE = re.compile(
    r"^snapshot(?: (?P<table>\S+?): (?P<rows>\d+)(?: of ~(?P<total>\d+))? rows"
    r"(?:, (?P<rate>[\d.]+) rows/s)?)?$"
)
ENDED = frozenset({"failed", "stopped"})


class StatusReader(Protocol):
    def get(self, path: str) -> Any: ...


@dataclass(frozen=True)
class ReportedSnapshot:
    table: str
    rows: int
    total: int | None = None
    rows_per_s: float | None = None

    def rate(self) -> str:
        return f"{self.rows_per_s:,.0f} rows/s" if self.rows_per_s else ""


def snapshot_progress(status: dict[str, Any]) -> ReportedSnapshot | None:
    """Where the running snapshot stands, or ``None`` when the connector is not in one."""
    reported = status.get("snapshot")
    if isinstance(reported, dict) and reported.get("table"):
        return ReportedSnapshot(
            str(reported["table"]),
            int(reported.get("rows") or 0),
            int(reported["total"]) if reported.get("total") is not None else None,
            float(reported["rows_per_s"]) if reported.get("rows_per_s") else None,
        )
    found = _PHASE.match(status.get("phase") or "")
    if found is None:
        return None
    rate, rows, total = found.group("rate"), found.group("rows"), found.group("total")
    # a polling source says only "snapshot": its tables, no count yet
    return ReportedSnapshot(
        found.group("table") or "tables",
        int(rows or 0),
        int(total) if total else None,
        float(rate) if rate else None,
    )


def waiting_for_snapshot(status: dict[str, Any]) -> bool:
    """A snapshot is asked for and not started yet, or the connector is still starting (a paused
    connector is not waited for: nothing would start it)."""
    starting = status.get("state") in ("starting", "unassigned") and not status.get("paused")
    return bool(status.get("pending_snapshot")) or starting


def follow_snapshot(
    client: StatusReader, name: str, console: Console, *, interval_s: float = 1.0
) -> dict[str, Any]:
    """Poll the connector until no snapshot runs or waits (or it fails), drawing the run's bar
    (the sources count rows across the run's tables; the description names the one being read);
    the last status read."""
    path = f"/v1/connectors/{name}/status"
    with job_bar(console) as progress:
        bar = progress.add_task(f"connector {name}", total=None, rate="")
        while True:
            status: dict[str, Any] = client.get(path)
            now = snapshot_progress(status)
            if now is not None:
                progress.update(bar, description=f"snapshot {now.table}", total=now.total,
                                completed=now.rows, rate=now.rate())  # fmt: skip
            elif waiting_for_snapshot(status):
                progress.update(bar, description=f"connector {name} {status.get('state')}: snapshot waiting")
            if status.get("state") in ENDED:
                return status
            if now is None and not waiting_for_snapshot(status):
                done, phase = progress.tasks[0].completed, status.get("phase") or status.get("state")
                ended = f"connector {name} {phase}"
                progress.update(bar, description=ended, total=done or None, completed=done, rate="")
                return status
            time.sleep(interval_s)


__all__ = ["ReportedSnapshot", "follow_snapshot", "snapshot_progress", "waiting_for_snapshot"]
