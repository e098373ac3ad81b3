"""``hub quarantine``: the changes connectors could not publish (``/v1/quarantine``).

``list`` and ``show`` read the quarantine topics; ``republish`` sends the held changes on once
the mapping or the contract is fixed (each mapped and checked again; those still failing stay
held and are listed with their reason). ``--output json|yaml`` (or ``--json``) prints the API's
answer as it is.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hub.cli.context import api_client
from hub.cli.output import (
    AsJson,
    Output,
    OutputFormat,
    ShowOutput,
    chosen,
    print_document,
    render_list,
    render_one,
)

app = typer.Typer(help="Quarantined changes: list, show, republish.", no_args_is_help=True)
out = Console(highlight=False, soft_wrap=True)

Connector = Annotated[str | None, typer.Option("--connector", "-c", help="Only this connector's changes.")]
Feed = Annotated[str | None, typer.Option("--feed", "-f", help="Only this feed (event type or topic).")]


def _text(value: Any) -> str:
    return escape(str(value)) if value is not None else "-"


@app.command("list")
def list_quarantine(
    ctx: typer.Context,
    connector: Connector = None,
    feed: Feed = None,
    held: Annotated[bool, typer.Option("--held", help="Only changes not republished yet.")] = False,
    output: Output = OutputFormat.table,
    as_json: AsJson = False,
) -> None:
    """Quarantined changes, oldest first per partition, with why and whether republished."""
    params = {"connector": connector, "feed": feed, "held": "true" if held else None}
    query = urlencode({name: value for name, value in params.items() if value is not None})
    found = api_client(ctx).get(f"/v1/quarantine?{query}")
    if not render_list(found, chosen(output, as_json), _table):
        return
    out.print(f"{len(found)} quarantined change(s)")
    lost = sum(bool(item.get("not_republishable")) for item in found)
    if lost:
        out.print(
            f"{lost} of them cannot be republished: the row was too large to keep in its quarantine "
            "record (`hub quarantine show ID` gives its key, position, size and SHA-256)"
        )


def _table(found: list[dict[str, Any]]) -> Table:
    table = Table("id", "connector", "record", "event", "code", "reason", "republished")
    for item in found:
        table.add_row(
            _text(item["id"]), _text(item["connector"]), _text(item["record_key"]), _text(item["event_id"]),
            _text(item["code"]), _text(item["reason"]), _text(item["republished_at"] or _held(item)),
        )  # fmt: skip
    return table


def _held(item: dict[str, Any]) -> str:
    """Held; and, for a record bounded without its row, that republish can never send it."""
    return "held, row not kept" if item.get("not_republishable") else "held"


@app.command("show")
def show(
    ctx: typer.Context,
    entry_id: Annotated[str, typer.Argument(help="The id `list` shows.")],
    output: ShowOutput = OutputFormat.json,
) -> None:
    """One quarantined change: its reason, details and the event as quarantined (JSON by default)."""
    render_one(api_client(ctx).get(f"/v1/quarantine/{quote(entry_id, safe='')}"), output)


@app.command("republish")
def republish(
    ctx: typer.Context,
    connector: Connector = None,
    feed: Feed = None,
    ids: Annotated[list[str] | None, typer.Option("--id", help="Only these entries (repeatable).")] = None,
    output: Output = OutputFormat.table,
    as_json: AsJson = False,
) -> None:
    """Map and check the held changes again; send those that pass on to their feed, in order, once."""
    body = {"connector": connector, "feed": feed, "ids": ids or []}
    report = api_client(ctx).request("POST", "/v1/quarantine/republish", body).json()
    if chosen(output, as_json) is not OutputFormat.table:
        print_document(report, chosen(output, as_json))
        return
    table = Table("id", "record", "outcome", "where / why")
    for line in report["items"]:
        where = (
            f"{line['feed_topic']} partition {line['partition']} offset {line['offset']}"
            if line["outcome"] == "republished"
            else f"[{line['code']}] {line['reason']}"
        )
        table.add_row(_text(line["id"]), _text(line["record_key"]), line["outcome"], escape(where))
    out.print(table)
    out.print(f"{report['republished']} republished, {report['held']} still held")
