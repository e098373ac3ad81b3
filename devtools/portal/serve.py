"""``python -m devtools receiver``: the reference receiver on its own (demo portals, manual tests)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from hub.subscriptions.secrets import generate_secret

ENV_VARIABLE = "HUB_RECEIVER_SECRETS"


def receiver(
    secret: Annotated[
        list[str] | None,
        typer.Option(
            help=f"Signing secret to accept (repeatable); default: ${ENV_VARIABLE}, comma-separated."
        ),
    ] = None,
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8088, help="Port to listen on."),
) -> None:
    """Serve the reference webhook receiver: verifies signatures, de-duplicates, can be told to fail."""
    import uvicorn

    from devtools.portal.receiver import create_receiver_app

    secrets = secret or [s for s in os.environ.get(ENV_VARIABLE, "").split(",") if s]
    if not secrets:
        secrets = [generate_secret()]
        typer.echo(f"no secret given; accepting pushes signed with {secrets[0]}")
    typer.echo(f"receiver on http://{host}:{port}/hook (control: POST /control, seen: GET /received)")
    uvicorn.run(create_receiver_app(secrets), host=host, port=port, log_level="warning")
