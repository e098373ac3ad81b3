"""The progress bar of a long job the CLI follows (a backfill, a replay): records read of the
total, the rate when the job reports one, and the time remaining (rich estimates it from the
advance between two looks). One look of the bar for every followed job.

A task starts without a total (the job may not have counted yet); ``total=None`` keeps the bar
pulsing until the first count arrives.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


def job_bar(console: Console) -> Progress:
    """A bar whose tasks take a ``rate`` field (text, may be empty)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )
