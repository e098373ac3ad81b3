"""``hub units``: the administrative-units versions routing decides by (``/v1/units``, admins).

``list`` shows the shipped version and the loaded ones; ``diff OLD NEW`` (each a version name or
a version file) shows which communes the new one moves before anything is loaded; ``load FILE``
checks, stores and activates a version, then starts re-homing (``--wait`` follows it to the end);
``rehoming VERSION`` shows the re-homing jobs' progress (counts per subscription); ``rehome
VERSION`` starts the jobs that did not start. ``--json`` prints the API's answer as it is (``list``,
``diff`` and ``rehoming`` also take ``--output table|json|yaml``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hub.cli.client import ApiClient
from hub.cli.context import api_client
from hub.cli.output import AsJson, Output, OutputFormat, chosen, render_list, render_one
from hub.services.units import ENDED_STATES
from schemas.admin_units import MAX_FILE_BYTES
from schemas.errors import InvalidUnitsFile

app = typer.Typer(help="Administrative-units versions: list, diff, load, re-homing.", no_args_is_help=True)
out = Console(highlight=False, soft_wrap=True)

Version = Annotated[str, typer.Argument(help="A version name, e.g. 2026.01.")]
DEFAULT_POLL_S = 2.0
PollSeconds = Annotated[float, typer.Option("--poll-s", min=0.1, help="Seconds between progress reads.")]


def _text(value: Any) -> str:
    return escape(str(value)) if value is not None else "-"


@app.command("list")
def list_units(ctx: typer.Context, output: Output = OutputFormat.table, as_json: AsJson = False) -> None:
    """The shipped version and every loaded one; routing decides by the active one."""
    render_list(api_client(ctx).get("/v1/units"), chosen(output, as_json), _versions_table)


def _versions_table(found: list[dict[str, Any]]) -> Table:
    table = Table("version", "parent", "active", "loaded", "by", "digest", "re-homing jobs", "description")
    for item in found:
        loaded = "shipped" if item["shipped"] else item["loaded_at"]
        digest = (item["digest"] or "")[:12] or None
        table.add_row(
            _text(item["version"]), _text(item["parent"]), "yes" if item["active"] else "",
            _text(loaded), _text(item["loaded_by"]), _text(digest), str(len(item["rehoming"])),
            _text(item["description"]),
        )  # fmt: skip
    return table


@app.command("diff")
def diff(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="A version name or a version file.")],
    new: Annotated[str, typer.Argument(help="A version name or a version file.")],
    output: Output = OutputFormat.table,
    as_json: AsJson = False,
) -> None:
    """What NEW moves against OLD: communes whose province or commune changes, renames, counts."""
    found = api_client(ctx).request("POST", "/v1/units/diff", {"old": _given(old), "new": _given(new)}).json()
    if chosen(output, as_json) is not OutputFormat.table:
        render_one(found, chosen(output, as_json))
        return
    show_diff(found)


def _given(value: str) -> str | dict[str, Any]:
    """A path to an existing file is a version file; anything else a version name."""
    path = Path(value)
    if not path.is_file():
        return value
    document: dict[str, Any] = json.loads(_read(path))
    return document


def _read(path: Path) -> bytes:
    raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        raise InvalidUnitsFile(f"{path}: {len(raw)} bytes; a version file has at most {MAX_FILE_BYTES}")
    try:
        json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise InvalidUnitsFile(f"{path}: not JSON ({exc})") from exc
    return raw


def show_diff(found: dict[str, Any]) -> None:
    out.print(f"administrative units {found['old_version']} -> {found['new_version']}")
    counts = Table("change", "count")
    for name, count in found["counts"].items():
        counts.add_row(escape(name), str(count))
    out.print(counts)
    if found["communes"]:
        table = Table("commune", "name", "change", "province", "now in")
        for item in found["communes"]:
            province = item["from_province"] if item["from_province"] == item["to_province"] else (
                f"{item['from_province']} -> {item['to_province']}"
            )  # fmt: skip
            now = ", ".join(
                f"{code} {name}" for code, name in zip(item["to_communes"], item["to_names"], strict=True)
            )
            table.add_row(item["code"], _text(item["name"]), item["change"], province, _text(now))
        out.print(table)
    for item in found["provinces"]:
        became = f"{item['to_province']} {escape(item['to_name'])}"
        out.print(f"province {item['code']} {escape(item['name'])} -> {became}")


@app.command("load")
def load(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The version file (docs/guide/admin-unit-versions.md).")],
    wait: Annotated[bool, typer.Option("--wait", help="Follow the re-homing jobs to their end.")] = False,
    poll_s: PollSeconds = DEFAULT_POLL_S,
    as_json: AsJson = False,
) -> None:
    """Check, store and activate a version file, then start re-homing the subscriptions it moves."""
    client = api_client(ctx)
    report = client.request("POST", "/v1/units", content=_read(file)).json()
    if as_json:
        out.print_json(json.dumps(report))
        return
    version = report["version"]["version"]
    out.print(f"loaded and activated administrative units {version} (parent {report['version']['parent']})")
    show_diff(report["diff"])
    started = [job for job in report["rehoming"] if job["job_id"] is not None]
    out.print(
        f"re-homing: {len(started)} job(s) started, {len(report['rehoming']) - len(started)} not started"
    )
    if wait:
        follow_rehoming(client, version, poll_s)
    else:
        show_progress(client.get(f"/v1/units/{version}/rehoming"))


@app.command("rehoming")
def rehoming(
    ctx: typer.Context,
    version: Version,
    wait: Annotated[bool, typer.Option("--wait", help="Follow the jobs to their end.")] = False,
    poll_s: PollSeconds = DEFAULT_POLL_S,
    output: Output = OutputFormat.table,
    as_json: AsJson = False,
) -> None:
    """The re-homing jobs of VERSION: per subscription, records scanned, selected, produced, delivered."""
    client = api_client(ctx)
    if chosen(output, as_json) is not OutputFormat.table:
        render_list(client.get(f"/v1/units/{version}/rehoming"), chosen(output, as_json), progress_table)
    elif wait:
        follow_rehoming(client, version, poll_s)
    else:
        show_progress(client.get(f"/v1/units/{version}/rehoming"))


@app.command("rehome")
def rehome(ctx: typer.Context, version: Version, as_json: AsJson = False) -> None:
    """Start the re-homing jobs of VERSION that did not start (a job was already running)."""
    started = api_client(ctx).request("POST", f"/v1/units/{version}/rehome").json()
    if as_json:
        out.print_json(json.dumps(started))
        return
    for job in started:
        outcome = f"job {job['job_id']}" if job["job_id"] is not None else f"not started: {job['error']}"
        out.print(f"{escape(job['subscription_id'])}: {escape(outcome)}")
    out.print(f"{len(started)} subscription(s)")


def follow_rehoming(client: ApiClient, version: str, poll_s: float) -> None:
    """Print the progress whenever it changes, until every job ended."""
    shown: list[dict[str, Any]] | None = None
    while True:
        progress = client.get(f"/v1/units/{version}/rehoming")
        ended = all(item["state"] in ENDED_STATES for item in progress)
        if progress != shown and not ended:
            show_progress(progress)
            shown = progress
        if ended:
            out.print("re-homing ended")
            show_progress(progress)
            return
        time.sleep(poll_s)


def show_progress(progress: list[dict[str, Any]]) -> None:
    if render_list(progress, OutputFormat.table, progress_table):
        done = sum(item["state"] in ENDED_STATES for item in progress)
        out.print(f"{done} of {len(progress)} re-homing job(s) ended")


def progress_table(progress: list[dict[str, Any]]) -> Table:
    table = Table("subscription", "job", "state", "scanned", "selected", "produced", "delivered", "error")
    for item in progress:
        scanned = f"{item['scanned']}/{item['total']}" if item["total"] is not None else str(item["scanned"])
        table.add_row(
            escape(item["subscription_id"]), _text(item["job_id"]), item["state"], scanned,
            str(item["selected"]), str(item["produced"]), str(item["delivered"]), _text(item["error"]),
        )  # fmt: skip
    return table
