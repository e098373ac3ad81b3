"""Entry point of ``make demo``: exits 0 only when every portal got exactly what it should."""

from __future__ import annotations

import sys

from rich.console import Console

from devtools.demo.scenario import main_flow
from hub.settings import Settings
from schemas.errors import HubError


def main() -> int:
    console = Console()
    if not console.is_terminal:
        console = Console(width=120)  # logs and CI: wide enough for the tables
    try:
        ok = main_flow(Settings(), console)
    except HubError as exc:
        console.print(f"[red]demo failed:[/red] {exc.message}")
        return 1
    return 0 if ok else 1  # the verdict is printed by the flow, before the console's address


sys.exit(main())
