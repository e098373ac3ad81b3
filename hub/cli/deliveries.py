"""``hub run`` (the delivery engine) and ``hub deliveries``: the log, replay, dead letters.

``hub run`` parses its options and runs ``hub.processes.run``; the other commands go through
the API. ``replay --follow`` draws the progress bar of ``hub.cli.progress`` (records read of the
window's total, time remaining), then prints the request's last state.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from hub.cli.client import ApiClient
from hub.cli.context import api_client
from hub.cli.output import Output, OutputFormat, ShowOutput, fields_table, render_list, render_one
from hub.cli.progress import job_bar
from hub.settings import get_settings

app = typer.Typer(help="Deliveries: the push log, replay by time, dead letters.", no_args_is_help=True)
out = Console(highlight=False, soft_wrap=True)

Subscription = Annotated[str, typer.Argument(help="Subscription id.")]


def run_hub(
    poll_s: Annotated[float, typer.Option(help="How often to look for subscription changes.")] = 1.0,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve this process's Prometheus metrics on this port.")
    ] = None,
) -> None:
    """Run the delivery engine: every active subscription's sink, until SIGINT or SIGTERM."""
    from hub.processes import run

    run.main(get_settings(), poll_s=poll_s, metrics_port=metrics_port)


@app.command("list")
def list_deliveries(
    ctx: typer.Context,
    subscription: Annotated[str | None, typer.Option("--subscription", "-s")] = None,
    event_id: Annotated[str | None, typer.Option("--event-id", "-e")] = None,
    status: Annotated[str | None, typer.Option(help="Outcome (delivered, retrying...) or HTTP code.")] = None,
    limit: int = 50,
    output: Output = OutputFormat.table,
) -> None:
    """Push attempts, newest first."""
    params = {"subscription": subscription, "event_id": event_id, "status": status, "limit": limit}
    query = "&".join(f"{k}={v}" for k, v in params.items() if v is not None)
    render_list(api_client(ctx).get(f"/v1/deliveries?{query}")["items"], output, _attempts_table)


@app.command("show")
def show(
    ctx: typer.Context,
    attempt_id: Annotated[int, typer.Argument(help="The attempt's id (`list -o json` shows it).")],
    output: ShowOutput = OutputFormat.json,
) -> None:
    """One attempt: status, latency, the request headers sent (secrets redacted) and the answer's body."""
    render_one(api_client(ctx).get(f"/v1/deliveries/{attempt_id}"), output, _attempt_view)


def _attempt_view(item: dict[str, Any]) -> Group:
    """The attempt's fields, then its request headers, then the answer's body."""
    headers = Table("request header", "value")
    for name, value in sorted((item.get("request_headers") or {}).items()):
        headers.add_row(escape(name), escape(value))
    body = item.get("response_body") or "(no body)"
    marker = " (truncated at 2 KiB)" if item.get("response_truncated") else ""
    kind = item.get("response_content_type") or "-"
    facts = {k: v for k, v in item.items() if k not in ("request_headers", "response_body")}
    return Group(fields_table(facts), headers, Text(f"response body ({kind}){marker}:"), Text(body))


def _attempts_table(items: list[dict[str, Any]]) -> Table:
    table = Table("id", "time", "subscription", "event", "try", "status", "ms", "outcome", "error")
    for item in items:
        table.add_row(
            str(item["id"]), item["started_at"], item["subscription_id"], item["event_id"],
            str(item["attempt"]), str(item["status_code"] or "-"), f"{item['latency_ms'] or 0:.1f}",
            item["outcome"], item["error"] or "",
        )  # fmt: skip
    return table


@app.command("replay")
def replay(
    ctx: typer.Context,
    subscription: Subscription,
    since: Annotated[
        datetime, typer.Option("--from", help="ISO time with zone, e.g. 2025-07-01T00:00:00+07:00")
    ],
    until: Annotated[
        datetime | None,
        typer.Option("--to", help="end of the window (excluded); default: when the hub takes the request"),
    ] = None,
    follow: Annotated[bool, typer.Option("--follow", help="Show progress until the replay ends.")] = False,
    every_s: Annotated[float, typer.Option(help="With --follow: seconds between two looks.")] = 1.0,
) -> None:
    """Deliver again what the feeds held from --from to --to; live delivery goes on meanwhile."""
    window = {"from": _zoned(since).isoformat()}
    if until is not None:
        window["to"] = _zoned(until).isoformat()
    client = api_client(ctx)
    made = client.request("POST", f"/v1/subscriptions/{subscription}/replay", window).json()
    out.print(
        f"replay request {made['id']} from {made['from_time']} to {made['to_time'] or 'now'}: {made['state']}"
    )
    if not follow:
        return
    made = _follow(client, f"/v1/subscriptions/{subscription}/replays/{made['id']}", made, every_s)
    out.print(_progress(made))
    if made["state"] == "failed":
        raise typer.Exit(1)


def _follow(client: ApiClient, path: str, made: dict[str, Any], every_s: float) -> dict[str, Any]:
    """Poll the request with a progress bar (records read of the window's total) until it ends."""
    with job_bar(out) as progress:
        bar = progress.add_task(f"replay {made['id']}", total=None, rate="")
        while made["state"] in ("pending", "running"):
            time.sleep(every_s)
            made = client.get(path)
            progress.update(bar, total=made["total"], completed=made["scanned"],
                            description=f"replay {made['id']} {made['state']}")  # fmt: skip
    return made


def _zoned(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.astimezone()


def _progress(made: dict[str, Any]) -> str:
    line = (
        f"{made['state']}: {made['scanned']} of {made['total']} record(s) read, {made['queued']} sent again"
    )
    return line + (f" ({made['detail']})" if made.get("detail") else "")


@app.command("dead-letters")
def dead_letters(ctx: typer.Context, subscription: Subscription, output: Output = OutputFormat.table) -> None:
    """What could not be delivered, and why."""
    path = f"/v1/subscriptions/{subscription}/dead-letters"
    render_list(api_client(ctx).get(path)["items"], output, _dead_letters_table)


def _dead_letters_table(items: list[dict[str, Any]]) -> Table:
    table = Table("id", "event", "type", "reason", "status", "attempts", "error")
    for item in items:
        table.add_row(
            item["id"], item["event_id"] or "-", item["event_type"] or "-", item["reason"],
            str(item["status_code"] or "-"), str(item["attempts"]), item["error"] or "",
        )  # fmt: skip
    return table


@app.command("redeliver")
def redeliver(
    ctx: typer.Context,
    subscription: Subscription,
    ids: Annotated[list[str] | None, typer.Argument(help="Entry or event ids; none = all.")] = None,
) -> None:
    """Send dead letters back for delivery."""
    path = f"/v1/subscriptions/{subscription}/dead-letters/redeliver"
    done = api_client(ctx).request("POST", path, {"ids": ids or None}).json()["redelivered"]
    out.print(f"{len(done)} dead letter(s) sent back for delivery")
