"""``hub subscriptions backfill`` and ``backfills``: start a backfill, follow it, list the jobs.

``--follow`` polls the job and draws a rich progress bar (records examined of the total, rate,
ETA) until it ends, then prints its counts; the command exits 1 when the job failed.
"""

from __future__ import annotations

import time
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from hub.cli.client import ApiClient
from hub.cli.progress import job_bar

out = Console(highlight=False, soft_wrap=True)
ENDED = frozenset({"done", "failed"})


def job_path(subscription_id: str, job_id: int | None = None) -> str:
    base = f"/v1/subscriptions/{subscription_id}/backfills"
    return base if job_id is None else f"{base}/{job_id}"


def start(client: ApiClient, subscription_id: str) -> dict[str, Any]:
    job: dict[str, Any] = client.request("POST", f"/v1/subscriptions/{subscription_id}/backfill").json()
    out.print(f"backfill job {job['id']} of {subscription_id} queued")
    return job


def follow(client: ApiClient, subscription_id: str, job_id: int, interval_s: float) -> dict[str, Any]:
    """Poll until the job ends, with a progress bar; the last state read."""
    with job_bar(out) as progress:
        bar = progress.add_task(f"job {job_id}", total=None, rate="")
        while True:
            job: dict[str, Any] = client.get(job_path(subscription_id, job_id))
            rate = f"{job['rate_per_s']:,.0f} records/s" if job.get("rate_per_s") else ""
            progress.update(bar, total=job["total"], completed=job["scanned"], rate=rate,
                            description=f"job {job_id} {job['state']}")  # fmt: skip
            if job["state"] in ENDED:
                return job
            time.sleep(interval_s)


def print_end(job: dict[str, Any]) -> None:
    counts = ", ".join(
        f"{name} {job[name]}" for name in ("total", "scanned", "selected", "produced", "delivered")
    )
    out.print(
        f"job {job['id']} {job['state']}: {counts}" + (f"; error: {job['error']}" if job["error"] else "")
    )
    if job["state"] == "failed":
        raise typer.Exit(1)


def jobs_table(jobs: list[dict[str, Any]]) -> Table:
    """One line per job (``backfills ID --job N`` shows every count of one)."""
    table = Table("job", "kind", "state", "total", "produced", "delivered", "ended")
    for job in jobs:
        total = str(job["total"]) if job["total"] is not None else "?"
        ended = job["ended_at"][11:19] if job["ended_at"] else ""
        row = (
            str(job["id"]),
            job["kind"],
            job["state"],
            total,
            str(job["produced"]),
            str(job["delivered"]),
            ended,
        )
        table.add_row(*row)
    return table


__all__ = ["follow", "job_path", "jobs_table", "print_end", "start"]
