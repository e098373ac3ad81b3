"""``python -m devtools``: the development commands, apart from the shipped ``hub`` CLI.

``dev`` runs the whole hub in one process on the local stack; ``receiver`` serves the reference
webhook receiver the demo's portals (and manual tests) use.
"""

from __future__ import annotations

import typer

from devtools.dev import dev
from devtools.portal.serve import receiver

app = typer.Typer(
    name="devtools",
    help="Development tools: the hub on the local stack, the reference receiver.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.command("dev")(dev)
app.command("receiver")(receiver)
