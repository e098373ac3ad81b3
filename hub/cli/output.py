"""How list and show commands print: ``--output table|json|yaml`` (``-o``), one option type and one
renderer for every command.

``table`` is for people: a rich table, and for an empty list the words "nothing to show" on
stderr (stdout stays empty, so a pipe reads nothing rather than a header). ``json`` and ``yaml``
are for scripts: the API's answer as it is, on stdout alone, ``[]`` for an empty list. The older
``--json`` flags stay as aliases of ``--output json`` (``chosen``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import typer
import yaml
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.table import Table

out = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)
NOTHING = "nothing to show"
Item = TypeVar("Item")


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    yaml = "yaml"


Output = Annotated[
    OutputFormat,
    typer.Option(
        "--output", "-o", case_sensitive=False, help="table (for people), json or yaml (for scripts)."
    ),
]
ShowOutput = Annotated[
    OutputFormat,
    typer.Option(
        "--output", "-o", case_sensitive=False, help="json (default), yaml, or table (field, value)."
    ),
]
AsJson = Annotated[
    bool, typer.Option("--json", help="Print the API's JSON answer (where --output exists, its alias).")
]


def chosen(output: OutputFormat, as_json: bool) -> OutputFormat:
    """``--json`` wins over the default, so both spellings keep working."""
    return OutputFormat.json if as_json else output


def print_document(document: Any, output: OutputFormat) -> None:
    """JSON or YAML text of ``document``, unstyled, so it parses back to the same value."""
    if output is OutputFormat.yaml:
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=False)
        typer.echo(text, nl=False)
    else:
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))


def render_list(items: list[Item], output: OutputFormat, table: Callable[[list[Item]], Table]) -> bool:
    """Print a list; ``table`` builds the table-mode view. True when a table was printed, so a
    command adds its summary lines under a table only (never into JSON, never under nothing)."""
    if output is not OutputFormat.table:
        print_document(items, output)
        return False
    if not items:
        stderr.print(NOTHING)
        return False
    out.print(table(items))
    return True


def render_one(
    document: Any, output: OutputFormat, table: Callable[[Any], RenderableType] | None = None
) -> None:
    """Print one thing; in table mode the view ``table`` draws or, by default, one row per field."""
    if output is not OutputFormat.table:
        print_document(document, output)
        return
    out.print((table or fields_table)(document))


def fields_table(document: Any) -> Table:
    """Field and value; nested values as compact JSON."""
    grid = Table("field", "value")
    items = document.items() if isinstance(document, dict) else [("value", document)]
    for name, value in items:
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        grid.add_row(escape(str(name)), escape(shown))
    return grid
