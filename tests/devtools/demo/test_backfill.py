"""The demo's own statement of what a backfilled Tuyên Quang system must receive."""

from __future__ import annotations

from devtools.demo.backfill import backfill_portal, from_absorbed_province, latest_state, verdict
from devtools.demo.portals import PORTALS
from schemas.events import ChangeEvent, ChangePayload, Op, SourceInfo

TUYEN_QUANG = backfill_portal(next(p for p in PORTALS if p.slug == "tuyen-quang"))
HA_GIANG_COMMUNE = "00688"  # pre-merger code, in Tuyên Quang since 2025
HA_NOI_COMMUNE = "00097"


def event(n: int, key: str, unit: str, op: Op = Op.UPDATE, orig: str | None = None) -> ChangeEvent:
    source = SourceInfo(connector="land", database="land", table="parcel", position=f"0/{n}")
    after, before = (None, {"id": key}) if op is Op.DELETE else ({"id": key}, None)
    return ChangeEvent(
        id=f"e{n}", source="/connectors/land/parcel", type="vn.gov.land.land-use-right-certificate.v1",
        subject=key, adminunit=unit, adminunitorig=orig,
        data=ChangePayload(op=op, after=after, before=before, source=source),
    )  # fmt: skip


def test_each_record_is_due_once_as_its_last_state_in_the_province() -> None:
    events = [
        event(1, "a", HA_GIANG_COMMUNE, orig=HA_GIANG_COMMUNE),
        event(2, "a", HA_GIANG_COMMUNE, orig=HA_GIANG_COMMUNE),  # its latest state
        event(3, "b", HA_GIANG_COMMUNE),
        event(4, "b", HA_GIANG_COMMUNE, Op.DELETE),  # gone
        event(5, "c", HA_GIANG_COMMUNE),
        event(6, "c", HA_NOI_COMMUNE),  # moved away: not Tuyên Quang's any more
        event(7, "d", HA_NOI_COMMUNE),
    ]
    due = latest_state(TUYEN_QUANG, events)
    assert sorted(due) == ["e2"]
    result = verdict(due, ["e2", "e2"])
    assert (result.due, result.received, result.duplicates, result.absorbed, result.ok) == (1, 1, 1, 1, False)
    assert verdict(due, ["e2"]).ok and not verdict(due, []).ok and not verdict(due, ["e2", "e7"]).ok


def test_only_pre_merger_codes_of_ha_giang_count_as_absorbed() -> None:
    assert from_absorbed_province(event(1, "a", HA_GIANG_COMMUNE, orig=HA_GIANG_COMMUNE))
    assert not from_absorbed_province(event(2, "a", HA_NOI_COMMUNE, orig=HA_NOI_COMMUNE))
    assert not from_absorbed_province(event(3, "a", HA_GIANG_COMMUNE))
