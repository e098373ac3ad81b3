"""``python -m devtools.devstack up|down|status``: the Makefile's entry to the local services."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from devtools.devstack import kafka, postgres, stack
from hub.settings import Settings
from schemas.errors import LocalServiceError

app = typer.Typer(add_completion=False, help="Local Kafka and PostgreSQL for development and tests.")
console = Console(stderr=True)


def fail(exc: LocalServiceError) -> None:
    console.print(f"[red]error:[/red] \\[{exc.code}] {escape(exc.message)}")
    raise typer.Exit(1)


@app.command()
def up(
    brokers: Annotated[
        int | None,
        typer.Option(min=1, help="Kafka nodes in one KRaft cluster (default: as formatted, else 1)."),
    ] = None,
) -> None:
    """Start the local broker(s) and database (idempotent)."""
    settings = Settings()
    try:
        t0 = time.monotonic()
        bootstrap = settings.kafka_bootstrap or kafka.start(settings, brokers)
        t1 = time.monotonic()
        dsn = settings.postgres_dsn or postgres.start(settings)
        t2 = time.monotonic()
    except LocalServiceError as exc:
        fail(exc)
    console.print(f"kafka     {bootstrap}  ({t1 - t0:.1f}s)")
    console.print(f"postgres  {dsn}  ({t2 - t1:.1f}s)")


@app.command()
def down() -> None:
    """Stop what the local stack runs; external servers are left alone."""
    stopped = stack.stop(Settings())
    console.print("stopped: " + (", ".join(stopped) or "nothing was running"))


@app.command()
def status() -> None:
    """Print the bootstrap address and DSN of each service, or 'stopped'."""
    for name, address in stack.status(Settings()).items():
        console.print(f"{name:<9} {address or 'stopped'}")


if __name__ == "__main__":
    app()
