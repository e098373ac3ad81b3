"""Following a connector's snapshot: the bar counts the rows of the run, with the total and the
time left when the status reports a total, and the command ends when the snapshot does."""

from __future__ import annotations

from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from hub.cli import connectors as connectors_cli
from hub.cli.main import app
from hub.cli.snapshot_progress import (
    ReportedSnapshot,
    follow_snapshot,
    snapshot_progress,
    waiting_for_snapshot,
)


class Statuses:
    """Answers the status path with each scripted status in turn (the last one from then on)."""

    def __init__(self, *statuses: dict[str, Any]) -> None:
        self.statuses = list(statuses)
        self.paths: list[str] = []

    def get(self, path: str) -> Any:
        self.paths.append(path)
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


COUNTS = {
    "position": None,
    "lag_seconds": None,
    "events_published": 0,
    "events_quarantined": 0,
    "restarts": 0,
}


def running(phase: str, **more: Any) -> dict[str, Any]:
    """A connector's status as the API answers it."""
    found = {"name": "ho-tich", "state": "running", "paused": False, "phase": phase, "pending_snapshot": []}
    return {**found, **COUNTS, **more}


def console() -> Console:
    return Console(record=True, width=120, force_terminal=False)


def test_the_phase_a_postgres_source_reports_gives_table_rows_and_rate() -> None:
    found = snapshot_progress(running("snapshot public.khai_sinh: 1200 rows, 350 rows/s"))
    assert found == ReportedSnapshot("public.khai_sinh", 1200, None, 350.0)
    assert found.rate() == "350 rows/s"


def test_the_phase_with_the_runs_estimated_total_gives_the_total() -> None:
    found = snapshot_progress(running("snapshot public.khai_sinh: 1200 of ~5000 rows, 350 rows/s"))
    assert found == ReportedSnapshot("public.khai_sinh", 1200, 5000, 350.0)


def test_a_structured_snapshot_with_a_total_is_read_first() -> None:
    status = running(
        "snapshot public.khai_sinh: 1200 rows, 350 rows/s",
        snapshot={"table": "public.khai_sinh", "rows": 1200, "total": 5000, "rows_per_s": 350.0},
    )
    assert snapshot_progress(status) == ReportedSnapshot("public.khai_sinh", 1200, 5000, 350.0)


def test_streaming_is_no_snapshot_and_a_polling_snapshot_has_no_count_yet() -> None:
    assert snapshot_progress(running("streaming")) is None
    assert snapshot_progress(running("polling")) is None
    assert snapshot_progress(running("snapshot")) == ReportedSnapshot("tables", 0)


def test_a_requested_snapshot_or_a_starting_connector_is_waited_for_but_not_a_paused_one() -> None:
    assert waiting_for_snapshot(running("streaming", pending_snapshot=["public.khai_sinh"]))
    assert waiting_for_snapshot({"state": "starting", "paused": False})
    assert not waiting_for_snapshot({"state": "unassigned", "paused": True})
    assert not waiting_for_snapshot(running("streaming"))


def test_follow_draws_rows_of_the_total_and_ends_when_streaming() -> None:
    statuses = Statuses(
        running("streaming", pending_snapshot=["public.khai_sinh"]),
        running(
            "snapshot", snapshot={"table": "public.khai_sinh", "rows": 1000, "total": 4000, "rows_per_s": 500}
        ),
        running(
            "snapshot", snapshot={"table": "public.khai_sinh", "rows": 3000, "total": 4000, "rows_per_s": 500}
        ),
        running("streaming"),
    )
    shown = console()
    ended = follow_snapshot(statuses, "ho-tich", shown, interval_s=0.01)
    assert ended["phase"] == "streaming"
    assert statuses.paths == ["/v1/connectors/ho-tich/status"] * 4
    text = shown.export_text()
    assert "connector ho-tich streaming" in text and "3000/3000" in text


def test_follow_shows_the_rate_and_the_count_without_a_total_and_stops_at_a_failure() -> None:
    snapshotting = running("snapshot public.khai_sinh: 1200 rows, 350 rows/s")
    statuses = Statuses(snapshotting, {**snapshotting, "state": "failed"})
    shown = console()
    ended = follow_snapshot(statuses, "ho-tich", shown, interval_s=0.01)
    assert ended["state"] == "failed"
    text = shown.export_text()
    assert "snapshot public.khai_sinh" in text and "1200" in text and "350 rows/s" in text


class Api(Statuses):
    """The API as ``hub connectors`` sees it: commands are accepted, statuses are scripted."""

    def request(self, method: str, path: str, json: Any = None) -> None:
        self.paths.append(f"{method} {path}")


def invoke(monkeypatch: pytest.MonkeyPatch, api: Api, *args: str) -> Result:
    monkeypatch.setattr(connectors_cli, "api_client", lambda ctx: api)
    return CliRunner().invoke(app, ["connectors", *args, "--every-s", "0.1"])


def test_snapshot_follow_asks_for_the_snapshot_then_follows_it_to_the_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api = Api(
        running("streaming", pending_snapshot=["public.khai_sinh"]),
        running("snapshot", snapshot={"table": "public.khai_sinh", "rows": 10, "total": 20, "rows_per_s": 5}),
        running("streaming"),
    )
    done = invoke(monkeypatch, api, "snapshot", "ho-tich", "-t", "public.khai_sinh", "--follow")
    assert done.exit_code == 0, done.output
    assert api.paths[0] == "POST /v1/connectors/ho-tich/snapshot"
    assert "snapshot requested for ho-tich" in done.output and "ho-tich: running" in done.output


def test_status_follow_exits_1_when_the_connector_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    failed = {**running("snapshot public.khai_sinh: 10 rows, 5 rows/s"), "state": "failed"}
    done = invoke(monkeypatch, Api(failed), "status", "ho-tich", "--follow")
    assert done.exit_code == 1 and "ho-tich: failed" in done.output
