"""How the CLI reports a failure: one line with the code, the details below it, and an exit
status that tells the kind of failure apart (``ExitCode``; docs/guide/cli.md lists them).

``ReportingGroup`` wraps the whole command tree (sub-apps run inside the root group's
``invoke``), so no command needs its own try/except and no stack trace reaches the user for an
error the project raises on purpose.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from hub.cli.client import ApiError, ApiUnreachable
from schemas.errors import HubError

stderr = Console(stderr=True, highlight=False, soft_wrap=True)


class ExitCode(IntEnum):
    """Stable exit statuses, so scripts can tell a typo from a refusal from an outage."""

    OK = 0
    FAILED = 1  # the command ran and its answer is "no": not compatible, job failed, declined
    USAGE = 2  # bad options or arguments (typer's own), or a confirmation needed without a terminal
    REFUSED = 3  # the hub refused the request: 4xx other than 404 (401, 403, 409, 422...)
    NOT_FOUND = 4  # the thing named does not exist (404)
    SERVER = 5  # the hub failed (5xx)
    UNREACHABLE = 6  # no answer from the API at all


class ReportingGroup(TyperGroup):
    def invoke(self, ctx: Any) -> Any:  # typer's vendored click Context is private
        try:
            return super().invoke(ctx)
        except HubError as exc:
            report(exc)
            raise typer.Exit(exit_code_for(exc)) from None


def exit_code_for(error: HubError) -> ExitCode:
    """Classify by HTTP status: the API's answer, or the status a local error would be sent with."""
    if isinstance(error, ApiUnreachable):
        return ExitCode.UNREACHABLE
    status = error.http_status if isinstance(error, ApiError) else error.status
    if status == 404:
        return ExitCode.NOT_FOUND
    if status >= 500:
        return ExitCode.SERVER
    return ExitCode.REFUSED


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
