"""``hub subscriptions backfill`` and ``backfills`` against a real API server."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from hub.cli.errors import ExitCode
from hub.settings import Settings
from hub.store import state_jobs
from hub.store.base import Store
from tests.hub.cli.conftest import Hub

SPEC = """\
id: tuyen-quang
endpoint_url: https://93.184.216.34/hook
feeds: [vn.gov.land.*]
filter: {admin_units: ["08"]}
"""


def _finish_when_queued(url: str, stop: threading.Event) -> None:
    """Play the hub: end each queued job with counts, as a runner would."""
    store = Store(url)
    while not stop.is_set():
        with store.session() as session:
            for job in state_jobs.open_jobs(session):
                state_jobs.finish(session, job.id, "done", total=12, scanned=12, selected=5, produced=5,
                                  delivered=5)  # fmt: skip
        time.sleep(0.05)


def test_backfill_follows_a_job_to_its_end_and_lists_jobs(
    hub: Hub, tmp_path: Path, settings: Settings
) -> None:
    file = tmp_path / "sub.yaml"
    file.write_text(SPEC, encoding="utf-8")
    assert hub("subscriptions", "apply", "-f", str(file)).exit_code == 0
    stop = threading.Event()
    player = threading.Thread(target=_finish_when_queued, args=(settings.store_url(), stop), daemon=True)
    player.start()
    try:
        followed = hub("subscriptions", "backfill", "tuyen-quang", "--follow", "--interval-s", "0.1")
    finally:
        stop.set()
        player.join()
    assert followed.exit_code == 0, followed.output
    assert "backfill job 1 of tuyen-quang queued" in followed.output
    assert "job 1 done: total 12, scanned 12, selected 5, produced 5, delivered 5" in followed.output
    listed = hub("subscriptions", "backfills", "tuyen-quang")
    assert listed.exit_code == 0 and "backfill" in listed.output and "done" in listed.output
    one = hub("subscriptions", "backfills", "tuyen-quang", "--job", "1")
    assert "job 1 done" in one.output


def test_backfill_of_an_unknown_subscription_reports_the_code(hub: Hub) -> None:
    refused = hub("subscriptions", "backfill", "nobody")
    assert refused.exit_code == ExitCode.NOT_FOUND and "subscription_not_found" in refused.output
