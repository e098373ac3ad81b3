"""The demo's last words: where its web console is and a token to sign in with.

On a terminal the demo then waits for Enter before it stops everything, so the console can be
looked at with the demo's portals, connectors and traces in it; without a terminal (CI, a pipe)
it says so and goes on to stop.
"""

from __future__ import annotations

import sys

from rich.console import Console


def offer(console: Console, api_url: str, token: str) -> None:
    console.rule("[bold]Web console")
    console.print(f"  console  [cyan]{api_url}/console[/cyan]")
    console.print(f"  token    [cyan]{token}[/cyan]  (an admin's: sees every portal and connector)")
    if sys.stdin.isatty():
        console.input("  press Enter to stop the demo (the console stays up until then) ")
    else:
        console.print("  (no terminal: the demo stops now, and the console with it)")
