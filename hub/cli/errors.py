"""How the CLI reports a failure: one line with the code, the details below it, exit status 1.

``ReportingGroup`` wraps the whole command tree (sub-apps run inside the root group's
``invoke``), so no command needs its own try/except and no stack trace reaches the user for an
error the project raises on purpose.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from hub.cli.client import ApiError
from schemas.errors import HubError

stderr = Console(stderr=True, highlight=False, soft_wrap=True)


class ReportingGroup(TyperGroup):
    def invoke(self, ctx: Any) -> Any:  # typer's vendored click Context is private
        try:
            return super().invoke(ctx)
        except HubError as exc:
            report(exc)
            raise typer.Exit(1) from None


def report(error: HubError) -> None:
    """One line with the code to match on: for an API answer, the code the server sent."""
    code = error.problem_code if isinstance(error, ApiError) else error.code
    stderr.print(f"[bold red]error[/] {escape(f'[{code}]')}: {escape(error.message)}")
    for line in detail_lines(error.details):
        stderr.print(f"  - {escape(line)}")


def detail_lines(details: Any) -> list[str]:
    """Details as short lines: each field error or incompatibility on its own line."""
    if details is None:
        return []
    if isinstance(details, list):
        return [_one_line(item) for item in details]
    if isinstance(details, dict) and isinstance(details.get("incompatibilities"), list):
        return detail_lines(details["incompatibilities"])
    return [_one_line(details)]


def _one_line(item: Any) -> str:
    if isinstance(item, dict):
        where = item.get("field") or item.get("path")
        message = item.get("message", item)
        return f"{where}: {message}" if where else str(message)
    return str(item)
