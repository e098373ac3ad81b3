"""``hub connectors`` (register and control connectors through the API) and ``hub connect``.

``apply -f connector.yaml`` is declarative: each YAML document is one connector config, created
or replaced under its ``name``. Write secrets as ``${ENV_VAR}``: they are read from the
environment when the file is applied, so the file itself can live in version control.

``hub connect`` is the worker process that runs the registered connectors until SIGINT or
SIGTERM; start as many as needed, they share the connectors (see ``connectors.worker``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hub.cli.confirmation import Yes, confirm
from hub.cli.context import api_client
from hub.cli.output import Output, OutputFormat, print_document, render_list, render_one
from hub.cli.snapshot_progress import follow_snapshot
from hub.cli.yaml_files import put_each, read_documents
from hub.settings import get_settings

app = typer.Typer(help="Connectors: capture ministry databases into the feeds.", no_args_is_help=True)
out = Console(highlight=False, soft_wrap=True)

ConfigFile = Annotated[
    Path,
    typer.Option("--file", "-f", exists=True, dir_okay=False, help="YAML file, one document per connector."),
]
Name = Annotated[str, typer.Argument(help="Connector name.")]
PATH = "/v1/connectors"


def read_configs(file: Path) -> list[dict[str, Any]]:
    """The YAML documents of ``file``, each a well-formed connector config, ``${VAR}`` expanded."""
    return read_documents(file, identity="name", what="connector", check=_parsed)


def _parsed(document: dict[str, Any]) -> object:
    """The API's parsing of a config (its source is checked by the API, which can reach it)."""
    from connectors.registry import parse_config  # loads every kind: only when a file is read

    return parse_config(document)


@app.command("apply")
def apply(ctx: typer.Context, file: ConfigFile) -> None:
    """Create or replace the connectors declared in a YAML file (checked against the source first)."""
    for applied in put_each(api_client(ctx), PATH, read_configs(file), identity="name"):
        out.print(f"{applied.verb} {escape(applied.name)}")


Limit = Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="Rows read per table.")]


@app.command("test")
def test(
    ctx: typer.Context, file: ConfigFile, limit: Limit = 10, output: Output = OutputFormat.table
) -> None:
    """Show the first rows of each table as they would be published; publish and save nothing."""
    client = api_client(ctx)
    found = [
        {
            "connector": document["name"],
            "tables": client.request("POST", f"{PATH}/test?limit={limit}", document).json(),
        }
        for document in read_configs(file)
    ]
    if output is not OutputFormat.table:
        print_document(found, output)
        return
    for connector in found:
        for table in connector["tables"]:
            out.print(preview_table(connector["connector"], table))


def preview_table(connector: str, found: dict[str, Any]) -> Table:
    """One table's preview: each row's key, unit, and its payload or the reason it is held back."""
    table = Table(title=f"{connector}: {found['table']} -> {found['event_type']}")
    table.add_column("key", overflow="fold", max_width=24)
    table.add_column("admin unit", no_wrap=True, min_width=10)
    table.add_column("published as", overflow="fold", min_width=30)
    for row in found["rows"]:
        if row["published"]:
            shown = "\n".join(
                escape(f"{field}: {json.dumps(value, ensure_ascii=False)}")
                for field, value in row["payload"].items()
            )
        else:
            reason = escape(f"[{row['reason']['code']}] {row['reason']['message']}")
            shown = f"[red]quarantined[/red] {reason}"
        table.add_row(escape(row["key"]), row["admin_unit"] or "-", shown)
    dropped = sorted({column for row in found["rows"] for column in row["dropped_columns"]})
    if dropped:
        table.caption = f"columns not published: {', '.join(dropped)}"
    return table


@app.command("list")
def list_connectors(ctx: typer.Context, output: Output = OutputFormat.table) -> None:
    """Every connector with its kind, state and the worker running it."""
    render_list(api_client(ctx).get(PATH), output, _table)


@app.command("show")
def show(ctx: typer.Context, name: Name, output: Output = OutputFormat.yaml) -> None:
    """The connector's stored config, secrets masked: save it, edit it, `apply -f` it back."""
    print_document(api_client(ctx).get(f"{PATH}/{name}")["config"], output)


def _table(connectors: list[dict[str, Any]]) -> Table:
    table = Table("name", "kind", "state", "worker", "feeds")
    for item in connectors:
        state = "paused" if item["paused"] and item["state"] == "unassigned" else item["state"]
        feeds = ", ".join(feed["event_type"] for feed in item["config"].get("feeds", []))
        table.add_row(item["name"], item["kind"], state, item["worker"] or "-", feeds)
    return table


Follow = Annotated[
    bool, typer.Option("--follow", help="Draw the snapshot's progress (rows, rate, time left) until it ends.")
]
EverySeconds = Annotated[float, typer.Option(min=0.1, help="With --follow: seconds between two looks.")]


@app.command("status")
def status(
    ctx: typer.Context,
    name: Name,
    output: Output = OutputFormat.table,
    follow: Follow = False,
    every_s: EverySeconds = 1.0,
) -> None:
    """State, last error, position, lag and counters of one connector."""
    if follow:
        found = follow_snapshot(api_client(ctx), name, out, interval_s=every_s)
    else:
        found = api_client(ctx).get(f"{PATH}/{name}/status")
    if output is not OutputFormat.table:
        render_one(found, output)
        return
    for line in status_lines(found):
        out.print(escape(line))
    if follow and found["state"] == "failed":
        raise typer.Exit(1)


def status_lines(found: dict[str, Any]) -> list[str]:
    error = found.get("last_error")
    lag = found.get("lag_seconds")
    return [
        f"{found['name']}: {found['state']}" + (" (paused)" if found["paused"] else ""),
        f"  worker:     {found.get('worker') or '-'}    phase: {found.get('phase') or '-'}",
        f"  position:   {found.get('position') or '-'}",
        f"  lag:        {found.get('lag_changes') if found.get('lag_changes') is not None else '?'} changes, "
        + (f"{lag:.3f} s" if lag is not None else "? s"),
        f"  published:  {found['events_published']}    quarantined: {found['events_quarantined']}"
        f"    restarts: {found['restarts']}",
        f"  last error: [{error['code']}] {error['message']} at {error['at']}"
        if error
        else "  last error: -",
        *_skipped(found.get("skipped")),
        *_tasks(found.get("tasks") or []),
    ]


def _tasks(tasks: list[dict[str, Any]]) -> list[str]:
    """A key-sharded connector's tasks, one line each."""
    return [
        f"  task {task['name']}: {task['state']}    worker: {task.get('worker') or '-'}    "
        f"published: {task.get('events_published', 0)}    position: {task.get('position') or '-'}"
        for task in tasks
    ]


def _skipped(skipped: dict[str, Any] | None) -> list[str]:
    if not skipped:
        return []
    return [f"  skipped:    {skipped.get('table')} at {skipped.get('position')} ({skipped.get('reason')})"]


def _command(ctx: typer.Context, name: str, action: str, body: Any = None) -> None:
    api_client(ctx).request("POST", f"{PATH}/{name}/{action}", body)
    out.print(f"{action} requested for {escape(name)} (applied by its worker within seconds)")


@app.command("pause")
def pause(ctx: typer.Context, name: Name) -> None:
    """Stop capturing (the source position stays; nothing is lost)."""
    _command(ctx, name, "pause")


@app.command("resume")
def resume(ctx: typer.Context, name: Name) -> None:
    """Capture again from the committed position."""
    _command(ctx, name, "resume")


@app.command("restart")
def restart(ctx: typer.Context, name: Name) -> None:
    """Restart the connector's task now (also leaves a failed state)."""
    _command(ctx, name, "restart")


@app.command("snapshot")
def snapshot(
    ctx: typer.Context,
    name: Name,
    tables: Annotated[list[str], typer.Option("--table", "-t", help='"schema.table"; repeat for more.')],
    follow: Follow = False,
    every_s: EverySeconds = 1.0,
) -> None:
    """Read chosen tables again in full (published as snapshot reads)."""
    _command(ctx, name, "snapshot", {"tables": tables})
    if follow:
        ended = follow_snapshot(api_client(ctx), name, out, interval_s=every_s)
        out.print(escape(status_lines(ended)[0]))
        if ended["state"] == "failed":
            raise typer.Exit(1)


@app.command("skip")
def skip(ctx: typer.Context, name: Name, yes: Yes = False) -> None:
    """Move past the change the connector cannot publish (audited): it goes to quarantine as
    skipped_by_operator, for `hub quarantine republish` later; refused when nothing is held."""
    confirm(f"Skip the change connector {name} is stuck on?", yes=yes)
    found = api_client(ctx).request("POST", f"{PATH}/{name}/skip").json()
    position = found.get("skip_after") or "the start"
    out.print(f"skip requested for {escape(name)} after position {escape(position)} "
              "(applied by its worker within seconds; see `hub connectors status`)")  # fmt: skip


@app.command("delete")
def delete(ctx: typer.Context, name: Name, yes: Yes = False) -> None:
    """Delete a connector (its worker stops it; what it published stays on the feeds)."""
    confirm(f"Delete connector {name}?", yes=yes)
    api_client(ctx).request("DELETE", f"{PATH}/{name}")
    out.print(f"deleted {escape(name)}")


def connect(
    worker_id: Annotated[str | None, typer.Option(help="Worker name [default: host-pid].")] = None,
    heartbeat_s: Annotated[float, typer.Option(help="Seconds between heartbeats.")] = 2.0,
    lease_s: Annotated[float, typer.Option(help="Seconds before a silent worker's connectors move.")] = 15.0,
) -> None:
    """Run the registered connectors until SIGINT or SIGTERM (start several to share them)."""
    from hub.processes import connect as connect_process

    connect_process.main(get_settings(), worker_id=worker_id, heartbeat_s=heartbeat_s, lease_ttl_s=lease_s)
