"""``hub contracts``: list, show, register, check and sync contract versions through the API.

The built-in contracts are in the registry from the first migration on; ``register -f FILE`` adds
a feed (or a new version of one) from one contract file (``docs/guide/contracts.md``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from hub.cli.client import ApiClient, ApiError
from hub.cli.confirmation import Yes, confirm
from hub.cli.context import api_client
from hub.cli.contract_files import FoundContract, discover, read_schema, subject_of
from hub.cli.errors import detail_lines, report
from hub.cli.output import Output, OutputFormat, ShowOutput, render_list, render_one
from hub.settings import REPO_ROOT

app = typer.Typer(help="The contract registry: versioned JSON Schemas per event type.", no_args_is_help=True)
out = Console(highlight=False, soft_wrap=True)

SchemaFile = Annotated[
    Path,
    typer.Option("--file", "-f", exists=True, dir_okay=False, help="Contract file (JSON or YAML)."),
]
OptionalSubject = Annotated[
    str | None,
    typer.Argument(help="The event type; by default the file's x-event-type.", show_default=False),
]
ContractsDir = Annotated[Path, typer.Option("--dir", help="Root of the contract files.")]
Mode = Annotated[str | None, typer.Argument(metavar="[MODE]")]
VersionArg = Annotated[str, typer.Argument(help="A version number or latest.")]


def _path(subject: str, *rest: str) -> str:
    return "/".join(["/v1/contracts", subject, *rest])


@app.command("list")
def list_subjects(ctx: typer.Context, output: Output = OutputFormat.table) -> None:
    """Subjects with their latest version and compatibility mode."""
    render_list(api_client(ctx).get("/v1/contracts")["items"], output, _subjects_table)


def _subjects_table(items: list[dict[str, Any]]) -> Table:
    table = Table(Column("subject", overflow="fold"), "latest", "versions", "compatibility")
    for item in items:
        table.add_row(
            item["subject"], str(item["latest_version"]), str(item["version_count"]), item["compatibility"]
        )
    return table


@app.command("versions")
def list_versions(ctx: typer.Context, subject: str, output: Output = OutputFormat.table) -> None:
    """The live versions of one subject."""
    render_list(api_client(ctx).get(_path(subject, "versions"))["items"], output, _versions_table)


def _versions_table(items: list[dict[str, Any]]) -> Table:
    table = Table("version", "fingerprint", "created")
    for item in items:
        table.add_row(str(item["version"]), item["fingerprint"][:12], item["created_at"])
    return table


@app.command("show")
def show(
    ctx: typer.Context, subject: str, version: VersionArg = "latest", output: ShowOutput = OutputFormat.json
) -> None:
    """One version (its schema under "schema"); JSON unless --output says otherwise."""
    render_one(api_client(ctx).get(_path(subject, "versions", version)), output)


@app.command("register")
def register(ctx: typer.Context, file: SchemaFile, subject: OptionalSubject = None) -> None:
    """Register a contract file as its feed's next version (refused when invalid or incompatible).

    A new feed needs nothing else: its event type, topic and dataschema come from the file.
    """
    document = read_schema(file)
    subject = subject or subject_of(document, file)
    response = api_client(ctx).request("POST", _path(subject, "versions"), {"schema": document})
    body = response.json()
    verb = "registered" if response.status_code == 201 else "already registered:"
    out.print(f"{verb} {escape(subject)} version {body['version']} ({escape(body['schema']['$id'])})")


@app.command("check")
def check(ctx: typer.Context, file: SchemaFile, subject: OptionalSubject = None) -> None:
    """Would this contract file be accepted? Exit status 1 when it would not."""
    document = read_schema(file)
    subject = subject or subject_of(document, file)
    body = {"schema": document}
    result = api_client(ctx).request("POST", _path(subject, "compatibility"), body).json()
    if result["compatible"]:
        out.print(f"compatible with {escape(subject)} under {result['compatibility']}")
        return
    out.print(f"NOT compatible with {escape(subject)} under {result['compatibility']}:")
    for line in detail_lines(result["incompatibilities"]):
        out.print(f"  - {escape(line)}")
    raise typer.Exit(1)


@app.command("mode")
def mode(ctx: typer.Context, subject: str, new_mode: Mode = None) -> None:
    """Show the subject's compatibility mode, or set it (NONE, BACKWARD, FULL_TRANSITIVE...)."""
    client = api_client(ctx)
    if new_mode is None:
        body = client.get(_path(subject, "config"))
    else:
        body = client.put(_path(subject, "config"), {"compatibility": new_mode.upper()})
    out.print(body["compatibility"])


@app.command("delete")
def delete(ctx: typer.Context, subject: str, yes: Yes = False) -> None:
    """Soft-delete a subject: its versions stop being served; their numbers are not reused."""
    confirm(f"delete every version of {subject}?", yes=yes)
    body = api_client(ctx).delete(_path(subject))
    out.print(f"deleted {escape(subject)} versions {body['deleted_versions']}")


@app.command("sync")
def sync(
    ctx: typer.Context,
    directory: ContractsDir = REPO_ROOT / "contracts",
) -> None:
    """Register every contract file of a contracts/-shaped folder, oldest version first; safe to
    run again. Not needed for the built-in contracts: every migration loads them."""
    client = api_client(ctx)
    failures = 0
    for item in discover(directory):
        result, ok = _sync_one(client, item)
        failures += not ok
        out.print(f"{escape(item.subject)} {item.path.name}: {escape(result)}")
    if failures:
        raise typer.Exit(1)


def _sync_one(client: ApiClient, item: FoundContract) -> tuple[str, bool]:
    """Register one file; a refusal is reported and the other subjects still go through."""
    body: dict[str, Any] = {"schema": read_schema(item.path)}
    try:
        response = client.request("POST", _path(item.subject, "versions"), body)
    except ApiError as exc:
        report(exc)
        return f"refused: {exc.problem_code}", False
    number = response.json()["version"]
    if number != item.version:
        return f"registered as version {number}, not {item.version}", False
    return ("new" if response.status_code == 201 else "unchanged") + f" (version {number})", True
