"""The followed-job progress bar shows records read of the total, the rate and the time left."""

from __future__ import annotations

from rich.console import Console

from hub.cli.progress import job_bar


def test_the_bar_shows_the_count_of_the_total_the_rate_and_the_time_left() -> None:
    console = Console(record=True, width=100, force_terminal=False)
    with job_bar(console) as progress:
        task = progress.add_task("replay 7 running", total=None, rate="")
        progress.update(task, total=400, completed=100, rate="50 records/s")
    shown = console.export_text()
    assert "replay 7 running" in shown and "100/400" in shown and "50 records/s" in shown
    assert shown.rstrip().endswith("-:--:--")  # the time-left column; unknown after a single look
