"""What the root command hands to every sub-command: where the API is, and a client for it."""

from __future__ import annotations

from dataclasses import dataclass

import typer

from hub.cli.client import ApiClient


@dataclass(frozen=True)
class CliState:
    api_url: str


def api_client(ctx: typer.Context) -> ApiClient:
    """A client closed when the command ends."""
    state = ctx.find_object(CliState)
    assert state is not None, "the root callback sets the state"
    client = ApiClient(state.api_url)
    ctx.call_on_close(client.close)
    return client
