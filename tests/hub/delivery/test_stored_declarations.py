"""A stored declaration that no longer validates stops only its own subscription, saying why.

Before the API refused them, ``retry.schedule_s: [NaN, 1e400]`` could be stored; such a row
must neither crash-loop its sink nor stop the hub reading every other subscription.
"""

from __future__ import annotations

import pytest
from sqlalchemy import update

from hub.store import subscriptions as stored
from tests.hub.delivery.harness import Deployment
from tests.hub.delivery.waiting import eventually

pytestmark = pytest.mark.integration


def _corrupt(d: Deployment, sid: str) -> None:
    with d.store.session() as session:
        row = session.get(stored.SubscriptionRow, sid)
        assert row is not None
        spec = dict(row.spec) | {"retry": {"schedule_s": [float("nan"), float("inf")], "short_attempts": 1}}
        session.execute(
            update(stored.SubscriptionRow).where(stored.SubscriptionRow.id == sid).values(spec=spec)
        )


def _state(d: Deployment, sid: str) -> tuple[str, str | None]:
    with d.store.session() as session:
        row = session.get(stored.SubscriptionRow, sid)
        assert row is not None
        return row.state, row.status_reason


async def test_an_unreadable_stored_subscription_is_disabled_and_the_others_run(
    hub_deployment: Deployment,
) -> None:
    d = hub_deployment
    good, failing = await d.portal(), await d.portal()
    await failing.control(mode="fail")
    good_id = d.subscribe("good", good).id
    bad_id = d.subscribe("bad", failing).id
    _corrupt(d, bad_id)
    async with d.hub() as supervisor:
        await d.publish(d.event("K", 1))
        await eventually(lambda: good.has(1), timeout_s=20)
        await eventually(lambda: _state(d, bad_id)[0] == "disabled", timeout_s=20)
        assert bad_id not in supervisor.running() and good_id in supervisor.running()
    reason = _state(d, bad_id)[1]
    assert reason is not None and "retry.schedule_s" in reason
    with d.store.session() as session:  # listings still work, without the unreadable row
        assert [sub.id for sub in stored.list_all(session)] == [good_id]
