"""The audit log exported to Kafka as CloudEvents, in order, each entry once per export position."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from bus.consumer import KafkaConsumer
from bus.records import TopicPartition
from hub.access.principals import OrganisationSpec
from hub.access.tokens import TokenSpec
from hub.services.access import AccessService
from hub.services.audit import CE_TYPE, AuditExporter
from hub.settings import Settings
from hub.store import migrate
from hub.store.base import Store
from tests.hub.access.world import SYSTEM_ADMIN

pytestmark = pytest.mark.integration


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    migrate.upgrade(settings.store_url())
    made = Store(settings.store_url())
    yield made
    made.engine.dispose()


async def read_all(bootstrap: str, topic: str) -> list[Any]:
    consumer = KafkaConsumer(bootstrap)
    await consumer.start()
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        end = (await consumer.end_offsets([partition]))[partition]
        consumer.seek(partition, 0)  # explicit: seek_to_beginning can lose a race with the reset
        found: list[Any] = []
        async with asyncio.timeout(30):
            while len(found) < end:
                batch = await consumer.getmany(partition, timeout_ms=1000)
                found += batch.get(partition, [])
        return found
    finally:
        await consumer.stop()


async def test_entries_reach_the_topic_in_order_once(store: Store, kafka_bootstrap: str, topic: str) -> None:
    service = AccessService(store)
    org = service.create_org(SYSTEM_ADMIN, OrganisationSpec(code="G15", name="Bộ Tư pháp", kind="ministry"))
    issued = service.issue_token(SYSTEM_ADMIN, TokenSpec(org=org.code, name="exporter test"))
    exporter = AuditExporter(store, kafka_bootstrap, topic=topic)
    assert await exporter.export_once() == 2
    assert await exporter.export_once() == 0  # the position moved: nothing twice
    service.revoke_token(SYSTEM_ADMIN, issued.token.id)
    assert await exporter.export_once() == 1
    messages = await read_all(kafka_bootstrap, topic)
    bodies = [json.loads(m.value) for m in messages]
    assert [b["action"] for b in bodies] == ["organisation.create", "token.create", "token.revoke"]
    headers = [dict(m.headers) for m in messages]
    assert [h["ce_id"].decode() for h in headers] == [f"audit-{b['id']}" for b in bodies]
    assert {h["ce_type"].decode() for h in headers} == {CE_TYPE}
    assert messages[1].key.decode() == f"token/{issued.token.id}"
    assert issued.secret not in b"".join(m.value for m in messages).decode()
