"""``hub trace <event-id>`` and ``hub trace --record <feed> <key>``: an event's path as a timeline.

The trace document comes from the API (``GET /v1/events/{id}/trace``,
``GET /v1/records/{feed}/{key}/trace``); this module only draws it: a header (the event, its
source position and commit time, its Kafka address, its trace id), the timeline (each hop with
its local time, the milliseconds since the source commit, the subscription, the HTTP status
and latency), then each interested subscription's decision and where its delivery stands.
``--output json|yaml`` (or ``--json``) prints the document as the API returned it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

import typer
from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from hub.cli.context import api_client
from hub.cli.output import AsJson, Output, OutputFormat, chosen, render_one

out = Console(highlight=False, soft_wrap=True)

HOP_MARKS = {
    "committed": ("●", "cyan"),
    "quarantined": ("⊘", "red"),
    "published": ("●", "cyan"),
    "routed": ("→", "blue"),
    "rehomed": ("⇄", "magenta"),
    "parked": ("‖", "yellow"),
    "duplicate": ("=", "dim"),
    "dead_lettered": ("☠", "red"),
    "redelivered": ("↺", "magenta"),
}
OUTCOME_STYLES = {
    "delivered": "green",
    "retrying": "yellow",
    "parked": "yellow",
    "pending": "yellow",
    "dead_lettered": "red",
    "disabled": "red",
    "filtered_out": "dim",
    "unknown": "magenta",
}
ATTEMPT_MARKS = {"delivered": "✓", "retrying": "✗", "dead_lettered": "✗", "disabled": "✗"}


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _clock(at: datetime | None) -> str:
    return at.astimezone().strftime("%H:%M:%S.%f")[:-3] if at else "-"


def _since(at: datetime | None, origin: datetime | None) -> str:
    if at is None or origin is None:
        return ""
    return f"{(at - origin).total_seconds() * 1000:+.0f}"


def header(trace: dict[str, Any]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    source, kafka = trace["source"], trace["kafka"]
    commit = _when(source["commit_time"])
    grid.add_row("event", f"{escape(trace['event_id'])}  [dim]{escape(trace['event_type'])}[/]")
    grid.add_row("record", escape(trace["record_key"]))
    where = f"{source['connector'] or '?'} {source['table'] or '?'} at {source['position'] or '?'}"
    committed = commit.astimezone().isoformat(timespec="milliseconds") if commit else "unknown"
    grid.add_row(
        "source", escape(where) + f"  committed {committed}" + (" (snapshot)" if source["snapshot"] else "")
    )
    grid.add_row("kafka", escape(f"{kafka['topic']} partition {kafka['partition']} offset {kafka['offset']}"))
    grid.add_row("trace", trace["trace_id"] or "[dim]none (the connector sent no trace context)[/]")
    if trace.get("admin_unit_version"):
        grid.add_row("units", escape(f"administrative units {trace['admin_unit_version']}"))
    return grid


def _hop_cells(hop: dict[str, Any]) -> tuple[Text, str, str]:
    """The hop's label, HTTP status and latency cells."""
    kind = hop["kind"]
    if kind == "attempt":
        outcome = hop["outcome"] or ""
        style = OUTCOME_STYLES.get(outcome, "")
        label = Text(f"{ATTEMPT_MARKS.get(outcome, '•')} attempt {hop['attempt']} ({outcome})", style=style)
    else:
        mark, style = HOP_MARKS.get(kind, ("•", ""))
        label = Text(f"{mark} {kind.replace('_', ' ')}", style=style)
    status = str(hop["status_code"]) if hop["status_code"] is not None else ""
    latency = f"{hop['latency_ms']:.1f} ms" if hop["latency_ms"] is not None else ""
    return label, status, latency


def timeline(trace: dict[str, Any]) -> Table:
    hops = trace["hops"]
    times = [_when(hop["at"]) for hop in hops]
    origin = next((at for at in times if at is not None), None)
    table = Table("time", "+ms", "hop", "subscription", "status", "latency", "detail", box=None)
    for hop, at in zip(hops, times, strict=True):
        label, status, latency = _hop_cells(hop)
        table.add_row(
            _clock(at), _since(at, origin), label, escape(hop["subscription_id"] or ""), status, latency,
            escape(hop["detail"] or ""),
        )  # fmt: skip
    return table


def decisions(trace: dict[str, Any]) -> Table:
    table = Table("subscription", "decision", "delivery", "attempts", "reason", box=None)
    for path in trace["subscriptions"]:
        style = OUTCOME_STYLES.get(path["outcome"], "")
        table.add_row(
            escape(path["subscription_id"]), path["decision"].replace("_", " "),
            Text(path["outcome"].replace("_", " "), style=style), str(path["attempts"] or ""),
            escape(path["reason"]),
        )  # fmt: skip
    return table


def event_view(trace: dict[str, Any]) -> Group:
    parts: list[Any] = [header(trace), Text(""), timeline(trace), Text("")]
    parts.append(
        decisions(trace) if trace["subscriptions"] else Text("no subscription reads this feed", style="dim")
    )
    parts += [Text(f"warning: {warning}", style="yellow") for warning in trace.get("warnings", [])]
    return Group(*parts)


def record_view(trace: dict[str, Any]) -> Group:
    events = trace["events"]
    title = f"record {trace['record_key']} on {trace['topic']}: {len(events)} event(s)"
    if trace["truncated"]:
        title += " (older ones left out: raise --limit)"
    parts: list[Any] = [Text(title, style="bold")]
    for event in events:
        parts += [Text(""), Text("─" * 60, style="dim"), event_view(event)]
    return Group(*parts)


def trace(
    ctx: typer.Context,
    event_id: Annotated[str | None, typer.Argument(help="The event (CloudEvent id).")] = None,
    record: Annotated[
        tuple[str, str] | None,
        typer.Option("--record", metavar="FEED KEY", help="Every event of one record instead."),
    ] = None,
    limit: Annotated[int, typer.Option(help="With --record: at most this many newest events.")] = 20,
    output: Output = OutputFormat.table,
    as_json: AsJson = False,
) -> None:
    """Follow an event (or every event of a record) from the source commit to every subscriber."""
    if (event_id is None) == (record is None):
        raise typer.BadParameter("give either an event id or --record FEED KEY", param_hint="EVENT_ID")
    client = api_client(ctx)
    if record is not None:
        feed, key = record
        document = client.get(f"/v1/records/{quote(feed, safe='')}/{quote(key, safe='')}/trace?limit={limit}")
        view = record_view(document)
    else:
        document = client.get(f"/v1/events/{quote(event_id or '', safe='')}/trace")
        view = event_view(document)
    render_one(document, chosen(output, as_json), lambda _: view)
