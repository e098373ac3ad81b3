"""What the root command hands to every sub-command: where the API is, and a client for it
(which sends the bearer token of ``HUB_API_TOKEN``; never a command-line option, which would
land in shell histories and process lists)."""

from __future__ import annotations

from dataclasses import dataclass

import typer

from hub.cli.client import ApiClient
from hub.settings import get_settings


@dataclass(frozen=True)
class CliState:
    api_url: str


def api_client(ctx: typer.Context) -> ApiClient:
    """A client closed when the command ends."""
    state = ctx.find_object(CliState)
    assert state is not None, "the root callback sets the state"
    token = get_settings().api_token  # HUB_API_TOKEN, from the environment or .env
    client = ApiClient(state.api_url, token=token.get_secret_value() if token else None)
    ctx.call_on_close(client.close)
    return client
