"""The demo's backfill: Tuyên Quang's new system receives the current state of its records.

After the live part, Tuyên Quang subscribes a second system with ``start: backfill``: it must
receive the latest state of every record in province 08 exactly once, among them the records
still on Hà Giang's pre-merger codes (the communes Tuyên Quang absorbed). What is due is worked
out here from the events read back from Kafka (each record's last event, deletes dropped, its
unit in the province), not from the hub's router; what arrived is what the receiver verified.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from rich.console import Console

from devtools.demo.fake_rows import LEGACY_PROVINCE
from devtools.demo.portals import Portal
from schemas.admin_units import default_normaliser
from schemas.errors import HubError, UnknownAdminUnit
from schemas.events import ChangeEvent, Op

DEADLINE_S = 120.0


@dataclass(frozen=True)
class Verdict:
    due: int
    received: int
    duplicates: int
    missing: int
    extra: int
    absorbed: int  # due records still on Hà Giang's pre-merger codes

    @property
    def ok(self) -> bool:
        return self.missing == 0 and self.extra == 0 and self.duplicates == 0


def latest_state(portal: Portal, events: Iterable[ChangeEvent]) -> dict[str, ChangeEvent]:
    """Event id -> event of each record's last event (log order), for records the portal covers."""
    last: dict[tuple[str, str], ChangeEvent] = {}
    for event in events:
        if event.data.op is Op.DELETE:
            last.pop((event.type, event.subject), None)
        else:
            last[(event.type, event.subject)] = event
    return {
        e.id: e
        for e in last.values()
        if portal.wants_type(e) and portal.covers(e.adminunit or e.adminunitorig)
    }


def from_absorbed_province(event: ChangeEvent) -> bool:
    """Whether the record still carries a pre-merger code of the province Tuyên Quang absorbed."""
    code = event.adminunitorig
    if not code:
        return False
    try:
        return default_normaliser().resolve(code).original.province_code == LEGACY_PROVINCE
    except UnknownAdminUnit:
        return False


def verdict(due: dict[str, ChangeEvent], received: list[str]) -> Verdict:
    got = set(received)
    return Verdict(
        due=len(due), received=len(got), duplicates=len(received) - len(got), missing=len(set(due) - got),
        extra=len(got - set(due)), absorbed=sum(1 for e in due.values() if from_absorbed_province(e)),
    )  # fmt: skip


def backfill_portal(tuyen_quang: Portal) -> Portal:
    return replace(tuyen_quang, slug=f"{tuyen_quang.slug}-backfill", fail_for_s=0.0, port=0)


def wait_for_job(api: Any, subscription_id: str, console: Console) -> dict[str, Any]:
    """Poll the subscription's (only) backfill job until it ends."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        jobs = api.get(f"/v1/subscriptions/{subscription_id}/backfills").json()
        if jobs and jobs[0]["state"] in ("done", "failed"):
            return dict(jobs[0])
        time.sleep(0.5)
    raise HubError(f"the backfill of {subscription_id} did not end within {DEADLINE_S:.0f}s")


def report(console: Console, portal: Portal, job: dict[str, Any], result: Verdict) -> None:
    console.print(
        f"  job {job['id']} {job['state']}: {job['total']} records in the state, {job['selected']} selected, "
        f"{job['delivered']} delivered"
    )
    mark = (
        "[green]all delivered once[/green]" if result.ok and job["state"] == "done" else "[red]NOT OK[/red]"
    )
    console.print(
        f"  {portal.slug}: expected {result.due} (of them {result.absorbed} on Hà Giang's pre-merger codes), "
        f"received {result.received}, duplicates {result.duplicates}, missing {result.missing}, "
        f"extra {result.extra}: {mark}"
    )


__all__ = [
    "Verdict",
    "backfill_portal",
    "from_absorbed_province",
    "latest_state",
    "report",
    "verdict",
    "wait_for_job",
]
