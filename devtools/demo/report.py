"""What the demo shows: live counts while it runs, and the verdict at the end.

"Expected" per portal is computed here from the events on Kafka with the portal's own
statement of what it wants (``Portal.wants``), not from the hub's router, and "received" is
what each receiver verified and stored, de-duplicated by event id.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from rich.console import Console
from rich.live import Live
from rich.table import Table

from devtools.demo.changes import Ledger
from devtools.demo.kafka_view import count_feed_records, read_feed_events
from devtools.demo.portals import Portal
from schemas.events import ChangeEvent


class Progress:
    def __init__(self, console: Console, portals: list[Portal], bootstrap: str) -> None:
        self.console = console
        self.portals = portals
        self.bootstrap = bootstrap
        self._live: Live | None = None

    @contextmanager
    def live(self) -> Iterator[None]:
        with Live(console=self.console, refresh_per_second=4, transient=False) as live:
            self._live = live
            yield
        self._live = None
        self.console.print()

    def refresh(self, committed: int) -> bool:
        """Redraw; True once every committed change is on Kafka and every portal has its events."""
        on_kafka = count_feed_records(self.bootstrap)
        stats = {p.slug: _stats(p) for p in self.portals}
        table = Table(title=f"committed changes {committed}   events on Kafka {on_kafka}", expand=False)
        for column in ("portal", "events received", "duplicates", "HTTP attempts", "answered 5xx"):
            table.add_column(column, justify="right" if column != "portal" else "left")
        for portal in self.portals:
            s = stats[portal.slug]
            failed = sum(v for k, v in s.get("by_status", {}).items() if str(k).startswith("5"))
            table.add_row(portal.slug, str(s.get("events", 0)), str(s.get("duplicates", 0)),
                          str(s.get("attempts", 0)), str(failed))  # fmt: skip
        if self._live is not None:
            self._live.update(table)
        if on_kafka < committed:
            return False
        events = read_feed_events(self.bootstrap)
        return all(stats[p.slug].get("events", 0) >= len(p.expected(events)) for p in self.portals)


def _stats(portal: Portal) -> dict[str, Any]:
    try:
        body: dict[str, Any] = httpx.get(f"http://127.0.0.1:{portal.port}/stats", timeout=5).json()
        return body
    except httpx.HTTPError:
        return {}


def summary_table(
    portals: list[Portal], events: list[ChangeEvent], received: dict[str, list[str]], ledger: Ledger
) -> tuple[bool, Table]:
    unique_on_kafka = {e.id for e in events}
    ok = len(unique_on_kafka) >= ledger.total()
    table = Table(
        title=f"{ledger.total()} changes committed in the ministries -> "
        f"{len(unique_on_kafka)} distinct events on Kafka ({len(events)} records)"
    )
    for column in ("portal", "expected", "received", "duplicates", "missing", "extra", "verdict"):
        table.add_column(column)
    for portal in portals:
        wanted = set(portal.expected(events))
        got = received[portal.slug]
        missing = wanted - set(got)
        extra = set(got) - wanted
        good = not missing and not extra
        ok = ok and good
        table.add_row(
            portal.slug, str(len(wanted)), str(len(set(got))),
            str(len(got) - len(set(got))), str(len(missing)), str(len(extra)),
            "[green]all delivered[/green]" if good else "[red]MISMATCH[/red]",
        )  # fmt: skip
    return ok, table


def kinds_table(portals: list[Portal], events: list[ChangeEvent], received: dict[str, list[str]]) -> Table:
    """Per portal, the deletes and move-outs due and received: the changes a naive hub loses."""
    table = Table(title="deletes and moves: due -> received, per portal")
    for column in ("portal", "creates/updates", "deletes", "moved out (told it left)"):
        table.add_column(column)
    for portal in portals:
        due = portal.expected(events)
        got = set(received[portal.slug])
        cells = []
        for kinds in (("r", "c", "u"), ("d",), ("moved-out",)):
            ids = {event_id for event_id, kind in due.items() if kind in kinds}
            cells.append(f"{len(ids)} -> {len(ids & got)}")
        table.add_row(portal.slug, *cells)
    return table


def verdict(console: Console, passed: bool) -> None:
    console.print(
        "[bold green]demo passed: nothing lost[/bold green]" if passed else "[bold red]demo failed[/bold red]"
    )
