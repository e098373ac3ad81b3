"""Asking before a destructive command, and refusing clearly when nobody can answer.

Without a terminal on stdin (a script, CI, a pipe) a prompt would read end-of-file and abort
with a bare exit status 1; instead the command stops with typer's usage error (exit status 2)
naming ``--yes``, before anything is sent to the API.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

Yes = Annotated[
    bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (required without a terminal).")
]


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def confirm(question: str, *, yes: bool) -> None:
    """Return when confirmed (``--yes`` or a "y" at the prompt); otherwise the command ends."""
    if yes:
        return
    if not stdin_is_terminal():
        raise typer.BadParameter(
            f"no terminal to ask on ({question}): pass --yes to confirm", param_hint="'--yes' / '-y'"
        )
    typer.confirm(question, abort=True)
