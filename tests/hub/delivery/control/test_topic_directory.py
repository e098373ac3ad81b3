"""Sinks subscribe by topic name from the process's topic list, and follow it: a feed topic that
appears after a sink started is read (as a pattern subscription would), within the list's refresh."""

from __future__ import annotations

import pytest

from bus.admin import KafkaAdmin
from schemas.events.kafka_codec import to_kafka
from tests.hub.delivery.harness import Deployment
from tests.hub.delivery.waiting import eventually

pytestmark = pytest.mark.integration


async def test_a_feed_topic_created_after_the_sink_started_is_read(hub_deployment: Deployment) -> None:
    d = hub_deployment
    portal = await d.portal()
    deaths = d.event_type.replace(".birth.", ".death.")
    d.subscribe("later", portal, feeds=[d.event_type, deaths])
    async with d.hub():
        await d.publish(d.event("B", 0))
        await eventually(lambda: portal.has(1), timeout_s=30)  # the sink runs, on the births only
        topic = d.topic.replace(".birth.", ".death.")
        await KafkaAdmin(d.settings.kafka_address()).create_topics([topic])
        death = d.event("D", 1).model_copy(update={"type": deaths, "id": f"{d.domain}-death-1"})
        await d.producer.acknowledged([await d.producer.send(topic, to_kafka(death))])
        await eventually(lambda: portal.has(2), timeout_s=45)  # the list is refreshed every 10 s
    assert sorted(await portal.event_ids()) == sorted([d.event("B", 0).id, death.id])
