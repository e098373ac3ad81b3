"""``python -m devtools.chaos`` (``make chaos``): run the faults, print the verdict, exit 1 on a fail."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console

from devtools.chaos import report, scenario
from hub.settings import Settings
from schemas.errors import HubError

REPORT_WIDTH = 132
KNOWN_FAULTS = (*scenario.FAULTS, scenario.SCALE_OUT_FAULT)
FAULT_NAMES = ", ".join(KNOWN_FAULTS)
app = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False)


@app.command()
def chaos(
    changes: Annotated[int, typer.Option(min=1, help="Changes the source commits.")] = 8000,
    rate: Annotated[float, typer.Option(min=1, help="Most changes committed per second.")] = 80.0,
    fail_500_s: Annotated[float, typer.Option(min=0, help="Seconds both portals answer 500.")] = 20.0,
    fail_429_s: Annotated[float, typer.Option(min=0, help="Seconds both portals answer 429.")] = 10.0,
    broker_down_s: Annotated[float, typer.Option(min=0, help="Seconds the broker stays stopped.")] = 20.0,
    drain_timeout_s: Annotated[
        float, typer.Option(min=1, help="Longest wait for the portals once the source is done.")
    ] = 420.0,
    fault: Annotated[list[str] | None, typer.Option(help=f"Run only these faults: {FAULT_NAMES}.")] = None,
    keep: Annotated[bool, typer.Option(help="Leave the private PostgreSQL running afterwards.")] = False,
    scale_out: Annotated[
        bool,
        typer.Option(
            help=f"3 brokers, 3 hub run, 2 hub connect (PostgreSQL store); fault {scenario.SCALE_OUT_FAULT}."
        ),
    ] = False,
) -> None:
    """Faults against a private broker and PostgreSQL while changes flow; verdict per portal."""
    unknown = sorted(set(fault or ()) - set(KNOWN_FAULTS))
    if unknown:
        raise typer.BadParameter(f"unknown fault(s) {unknown}; known: {FAULT_NAMES}")
    settings: dict[str, Any] = {
        "changes": changes, "rate_per_s": rate, "fail_500_s": fail_500_s, "fail_429_s": fail_429_s,
        "broker_down_s": broker_down_s, "drain_timeout_s": drain_timeout_s,
    }  # fmt: skip
    if fault:
        settings["faults"] = tuple(fault)
    try:
        plan = scenario.ChaosPlan.scaled_out(**settings) if scale_out else scenario.ChaosPlan(**settings)
    except HubError as exc:
        raise typer.BadParameter(exc.message) from exc
    console = Console()
    if not console.is_terminal:  # a log file or a pipe: wide enough for the verdict's columns
        console = Console(width=REPORT_WIDTH)
    try:
        result = scenario.run(Settings(), plan, console.print, keep=keep)
    except HubError as exc:
        console.print(f"[red]error:[/red] [{exc.code}] {exc.message}")
        raise typer.Exit(2) from exc
    report.show(console, result)
    raise typer.Exit(0 if result.passed else 1)


if __name__ == "__main__":
    app()
