"""One feed, several subscriptions with different filters, each getting exactly what it asked for."""

from __future__ import annotations

import pytest

from tests.hub.delivery.harness import Deployment
from tests.hub.delivery.waiting import eventually

pytestmark = pytest.mark.integration

# Phường Ngọc Hà, a commune of Hà Giang before July 2025; Hà Giang merged into Tuyên Quang (08).
PRE_MERGER_COMMUNE = "00692"
NEW_PROVINCE = "08"


async def test_fan_out_with_filters_and_pre_merger_codes(hub_deployment: Deployment) -> None:
    d = hub_deployment
    everything, tuyen_quang, hanoi, births = [await d.portal() for _ in range(4)]
    d.subscribe("all", everything)
    d.subscribe("tuyen-quang", tuyen_quang, filter={"admin_units": [NEW_PROVINCE]})
    d.subscribe("hanoi", hanoi, filter={"admin_units": ["01"]})
    d.subscribe(
        "births", births, feeds=[d.topic], filter={"predicates": [{"path": "after.kind", "value": "birth"}]}
    )
    events = [
        d.event("A", 0, adminunit=PRE_MERGER_COMMUNE, kind="birth"),
        d.event("B", 0, adminunit="00004", kind="death"),  # a Hà Nội commune
        d.event("C", 0, kind="birth"),  # no administrative unit
    ]
    async with d.hub():
        await d.publish(*events)
        await eventually(lambda: everything.has(3), timeout_s=20)
        await eventually(lambda: births.has(2))
        await eventually(lambda: tuyen_quang.has(1))
        await eventually(lambda: hanoi.has(1))
    ids = [e.id for e in events]
    assert sorted(await everything.event_ids()) == sorted(ids)
    assert await tuyen_quang.event_ids() == [ids[0]]  # pre-merger code routed to the new province
    assert await hanoi.event_ids() == [ids[1]]
    assert sorted(await births.event_ids()) == sorted([ids[0], ids[2]])
    delivered = {a.subscription_id.rsplit("-", 1)[0] for a in d.attempts(outcome="delivered")}
    assert delivered == {"all", "tuyen-quang", "hanoi", "births"}
