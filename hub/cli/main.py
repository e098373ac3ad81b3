"""The ``hub`` console script: the root typer app and the list of its sub-commands.

Each area adds a sub-app in its own module (``hub/cli/<area>.py`` exposing ``app``) and one
``app.add_typer(...)`` line below. Commands reach the API with ``api_client(ctx)``; errors
are reported by ``hub.cli.errors.ReportingGroup`` for the whole tree (exit statuses:
``hub.cli.errors.ExitCode``); lists and shows print through ``hub.cli.output``.
"""

from __future__ import annotations

from importlib.metadata import version as package_version
from typing import Annotated

import typer

from hub.cli import access as access_cli
from hub.cli import connectors as connectors_cli
from hub.cli import contracts
from hub.cli import deliveries as deliveries_cli
from hub.cli import quarantine as quarantine_cli
from hub.cli import status as status_cli
from hub.cli import subscriptions as subscriptions_cli
from hub.cli import trace as trace_cli
from hub.cli import units as units_cli
from hub.cli.context import CliState
from hub.cli.errors import ReportingGroup
from hub.settings import get_settings

app = typer.Typer(
    name="hub",
    help="Data-exchange hub: control plane client and processes.",
    cls=ReportingGroup,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


DISTRIBUTION = "gov-data-hub"


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"hub {package_version(DISTRIBUTION)}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    api_url: Annotated[
        str | None, typer.Option(help="Control-plane API address (default: HUB_API_URL).")
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    ctx.obj = CliState(api_url=api_url or get_settings().api_url)


@app.command("api")
def serve_api() -> None:
    """Serve the control-plane API (host and port from HUB_API_HOST / HUB_API_PORT)."""
    from hub.processes import api

    api.main(get_settings())


@app.command("migrate")
def migrate_store() -> None:
    """Bring the control-plane store (HUB_DATABASE_URL) up to date, then exit (run once per deployment)."""
    from hub.processes import migrate

    migrate.main(get_settings())
    typer.echo("store up to date")


# Sub-commands, one line per area (keep `hub --help` in this order).
app.add_typer(contracts.app, name="contracts")
app.add_typer(connectors_cli.app, name="connectors")
app.command("connect")(connectors_cli.connect)
app.add_typer(subscriptions_cli.app, name="subscriptions")
app.command("run")(deliveries_cli.run_hub)
app.add_typer(deliveries_cli.app, name="deliveries")
app.add_typer(access_cli.admin_app, name="admin")
app.add_typer(access_cli.orgs_app, name="orgs")
app.add_typer(access_cli.tokens_app, name="tokens")
app.add_typer(access_cli.grants_app, name="grants")
app.add_typer(access_cli.audit_app, name="audit")
app.command("trace")(trace_cli.trace)
app.command("status")(status_cli.status)
app.add_typer(quarantine_cli.app, name="quarantine")
app.add_typer(units_cli.app, name="units")
