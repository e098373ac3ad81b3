"""``hub subscriptions``: apply YAML declarations, list, show, delete, rotate secrets, backfill, pause,
resume and send a test event (through the API).

``apply -f sub.yaml`` is declarative: each YAML document is one subscription, created or replaced
under its ``id``. Write a signing secret as ``${ENV_VAR}``: it is read from the environment when the
file is applied. A secret the hub generates is printed once, at creation or rotation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hub.cli import backfills
from hub.cli.confirmation import Yes, confirm
from hub.cli.context import api_client
from hub.cli.errors import ExitCode
from hub.cli.output import Output, OutputFormat, ShowOutput, render_list, render_one
from hub.cli.yaml_files import put_each, read_documents
from hub.subscriptions.model import SubscriptionSpec

app = typer.Typer(help="Subscriptions: who receives which changes, where.", no_args_is_help=True)
out = Console(highlight=False, soft_wrap=True)

SpecFile = Annotated[
    Path,
    typer.Option(
        "--file", "-f", exists=True, dir_okay=False, help="YAML file, one document per subscription."
    ),
]
PATH = "/v1/subscriptions"
BODY_EXCERPT_CHARS = 500  # of the 2 KiB the hub keeps: -o json prints it whole


def read_specs(file: Path) -> list[dict[str, Any]]:
    """The YAML documents of ``file``, each a valid subscription, ``${VAR}`` expanded."""
    return read_documents(file, identity="id", what="subscription", check=SubscriptionSpec.model_validate)


def _print_secret(secret: str | None) -> None:
    if secret:
        out.print(f"  signing secret (shown once, store it now): {secret}")


@app.command("apply")
def apply(ctx: typer.Context, file: SpecFile) -> None:
    """Create or replace the subscriptions declared in a YAML file."""
    for applied in put_each(api_client(ctx), PATH, read_specs(file), identity="id"):
        out.print(f"{applied.verb} {escape(applied.name)}")
        _print_secret(applied.body["secret"])


@app.command("list")
def list_subscriptions(ctx: typer.Context, output: Output = OutputFormat.table) -> None:
    """Every subscription with its state, endpoint and feeds."""
    render_list(api_client(ctx).get(PATH), output, _table)


def _table(subscriptions: list[dict[str, Any]]) -> Table:
    table = Table("id", "owner", "state", "endpoint", "feeds")
    for sub in subscriptions:
        state = sub["state"] + (f" ({sub['status_reason']})" if sub["status_reason"] else "")
        table.add_row(sub["id"], sub["owner"] or "", state, sub["endpoint_url"], ", ".join(sub["feeds"]))
    return table


@app.command("show")
def show(ctx: typer.Context, subscription_id: str, output: ShowOutput = OutputFormat.json) -> None:
    """One subscription (never its secret); JSON unless --output says otherwise."""
    render_one(api_client(ctx).get(f"{PATH}/{subscription_id}"), output)


@app.command("delete")
def delete(ctx: typer.Context, subscription_id: str, yes: Yes = False) -> None:
    """Delete a subscription (its endpoint receives nothing more)."""
    confirm(f"Delete subscription {subscription_id}?", yes=yes)
    api_client(ctx).request("DELETE", f"{PATH}/{subscription_id}")
    out.print(f"deleted {escape(subscription_id)}")


@app.command("rotate-secret")
def rotate_secret(
    ctx: typer.Context,
    subscription_id: str,
    overlap_s: Annotated[
        float | None, typer.Option(help="How long the old secret keeps signing [default: one day].")
    ] = None,
) -> None:
    """Issue a new signing secret; pushes carry both signatures during the overlap."""
    body = {} if overlap_s is None else {"overlap_s": overlap_s}
    rotated = api_client(ctx).request("POST", f"{PATH}/{subscription_id}/secret/rotate", body).json()
    out.print(
        f"rotated {escape(subscription_id)}; previous secret valid until {rotated['previous_expires_at']}"
    )
    _print_secret(rotated["secret"])


@app.command("pause")
def pause(ctx: typer.Context, subscription_id: str) -> None:
    """Stop delivering to a subscription; what arrives meanwhile waits in the feeds (its position is kept)."""
    _set_state(ctx, subscription_id, "pause")


@app.command("resume")
def resume(ctx: typer.Context, subscription_id: str) -> None:
    """Deliver again from where it stopped; also re-enables a subscription the hub disabled
    (after a 410 Gone or failing past disable_after_s), once its endpoint is fixed."""
    _set_state(ctx, subscription_id, "resume")


def _set_state(ctx: typer.Context, subscription_id: str, action: str) -> None:
    sub = api_client(ctx).request("POST", f"{PATH}/{subscription_id}/{action}").json()
    reason = f" ({sub['status_reason']})" if sub.get("status_reason") else ""
    out.print(f"{escape(subscription_id)}: {escape(sub['state'] + reason)}")


@app.command("test-event")
def test_event(ctx: typer.Context, subscription_id: str, output: ShowOutput = OutputFormat.table) -> None:
    """Push one signed test event (type vn.gov.hub.test.v1) to the endpoint now and print how it
    answered: status, latency and the start of its body. Exit 1 when it did not answer 2xx."""
    probe = api_client(ctx).request("POST", f"{PATH}/{subscription_id}/test-event").json()
    if output is OutputFormat.table:
        print_probe(probe)
    else:
        render_one(probe, output)
    if not probe["delivered"]:
        raise typer.Exit(ExitCode.FAILED)


def print_probe(probe: dict[str, Any]) -> None:
    """The endpoint's answer to a test event, for people: verdict, status, latency, body excerpt."""
    verdict = "delivered" if probe["delivered"] else f"not delivered [{probe['error_code']}]"
    status = probe["status_code"] if probe["status_code"] is not None else "no answer"
    out.print(f"test event {escape(probe['event_id'])}: {escape(verdict)}")
    out.print(f"  status   {status}")
    out.print(f"  latency  {probe['latency_ms']:.1f} ms")
    body = probe.get("response_body")
    if body:
        excerpt = body[:BODY_EXCERPT_CHARS] + ("…" if len(body) > BODY_EXCERPT_CHARS else "")
        out.print(
            f"  body     {escape(excerpt)}" + (" (truncated)" if probe.get("response_truncated") else "")
        )
    elif probe["error"] and probe["status_code"] is None:
        out.print(f"  error    {escape(probe['error'])}")


@app.command("backfill")
def backfill(
    ctx: typer.Context,
    subscription_id: str,
    follow: Annotated[bool, typer.Option("--follow", help="Show progress until the job ends.")] = False,
    interval_s: Annotated[float, typer.Option(help="Seconds between progress reads.", min=0.1)] = 1.0,
) -> None:
    """Send the latest state of every record in the subscription's scope, then continue live."""
    client = api_client(ctx)
    job = backfills.start(client, subscription_id)
    if follow:
        backfills.print_end(backfills.follow(client, subscription_id, job["id"], interval_s))


@app.command("backfills")
def list_backfills(
    ctx: typer.Context,
    subscription_id: str,
    job_id: Annotated[int | None, typer.Option("--job", help="Show one job, with its counts.")] = None,
    output: Output = OutputFormat.table,
) -> None:
    """A subscription's backfill jobs, newest first (or one job's counts)."""
    client = api_client(ctx)
    if job_id is not None:
        job = client.get(backfills.job_path(subscription_id, job_id))
        if output is OutputFormat.table:
            backfills.print_end(job)
        else:
            render_one(job, output)
        return
    render_list(client.get(backfills.job_path(subscription_id)), output, backfills.jobs_table)
