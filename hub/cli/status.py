"""``hub status``: one screen for ops (``GET /v1/status``).

What needs a human first (red), then the connectors (state, phase, lag, events, errors) and the
subscriptions (state, consumer lag, recent failure rate, dead letters, last delivery), then the
workers (``hub connect``: heartbeat, connectors held; ``hub run``: host and pid, heartbeat,
partitions held per subscription lane), each row dimmed when healthy and
highlighted when not. ``--output json|yaml`` (or ``--json``) prints the document instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from hub.cli.context import api_client
from hub.cli.output import AsJson, Output, OutputFormat, chosen, render_one

out = Console(highlight=False, soft_wrap=True)


def _age(value: str | None, now: datetime) -> str:
    if not value:
        return "never"
    seconds = (now - datetime.fromisoformat(value)).total_seconds()
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit} ago"
    return f"{seconds:.0f}s ago"


def _number(value: float | None, suffix: str = "") -> str:
    if value is None:
        return "?"
    text = f"{value:,.0f}" if abs(value) >= 10 else f"{value:.1f}".rstrip("0").rstrip(".")
    return text + suffix


def problems_panel(overview: dict[str, Any]) -> Panel:
    problems = overview["problems"]
    if not problems:
        return Panel(Text("all good", style="green"), title="problems", border_style="green")
    body = Text("\n".join(f"• {problem}" for problem in problems), style="red")
    return Panel(body, title=f"problems ({len(problems)})", border_style="red")


def _quarantined(connector: dict[str, Any]) -> str:
    held = connector.get("quarantine_held")
    return f"{connector['events_quarantined']:,}" + (f" ({held:,} held)" if held else "")


def connectors_table(overview: dict[str, Any]) -> Table:
    table = Table("connector", "kind", "state", "phase", "lag", "events", "quarantined", "errors", "worker",
                  title="connectors", title_justify="left")  # fmt: skip
    for c in overview["connectors"]:
        lag = _number(c["lag_seconds"], " s") + (f" / {c['lag_changes']:,}" if c["lag_changes"] else "")
        table.add_row(
            escape(c["name"]), c["kind"], c["state"], c["phase"] or "", lag, f"{c['events_published']:,}",
            _quarantined(c), str(c["errors"]), escape(c["worker"] or "-"),
            style="dim" if c["healthy"] else "bold red",
        )  # fmt: skip
    return table


def subscriptions_table(overview: dict[str, Any]) -> Table:
    now = datetime.fromisoformat(overview["generated_at"])
    window = f"failed ({overview['window_s'] / 60:.0f} min)"
    table = Table("subscription", "state", "endpoint", "lag", window, "dead letters", "last delivery",
                  title="subscriptions", title_justify="left")  # fmt: skip
    for s in overview["subscriptions"]:
        rate = s["failure_rate"]
        failed = f"{s['failures_recent']}/{s['attempts_recent']}" + (f" ({rate:.0%})" if rate else "")
        table.add_row(
            escape(s["id"]), s["state"], escape(s["endpoint_host"]), _number(s["consumer_lag"]), failed,
            _number(s["dead_letters"]), _age(s["last_delivered_at"], now),
            style="dim" if s["healthy"] else "bold red",
        )  # fmt: skip
    return table


def workers_table(overview: dict[str, Any]) -> Table:
    table = Table("worker", "process", "heartbeat", "holds", title="workers", title_justify="left")
    for w in overview.get("workers", []):
        holds = escape(("\n" if w["process"] == "run" else ", ").join(w["holds"]) or "-")
        process = w["process"] + (f" {w['host']} pid {w['pid']}" if w.get("host") else "")
        stale = "" if w["healthy"] else " (stale)"
        table.add_row(
            escape(w["id"]), escape(process), f"{w['heartbeat_age_s']:.0f}s ago{stale}", holds,
            style="dim" if w["healthy"] else "bold red",
        )  # fmt: skip
    return table


def overview_view(overview: dict[str, Any]) -> Group:
    parts: list[Any] = [problems_panel(overview)]
    if overview["broker"] != "ok":
        parts.append(Text(f"Kafka: {overview['broker']} (lag and dead letters unknown)", style="yellow"))
    parts += [connectors_table(overview), subscriptions_table(overview)]
    if overview.get("workers"):
        parts.append(workers_table(overview))
    return Group(*parts)


def status(
    ctx: typer.Context,
    window: Annotated[int, typer.Option(help="Minutes of recent attempts behind the failure rates.")] = 15,
    output: Output = OutputFormat.table,
    as_json: AsJson = False,
) -> None:
    """Connectors, subscriptions, lag, failure rates, unhealthy endpoints and dead letters."""
    overview = api_client(ctx).get(f"/v1/status?window_s={window * 60}")
    render_one(overview, chosen(output, as_json), overview_view)
