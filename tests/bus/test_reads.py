"""Group-less reads against the real broker."""

from __future__ import annotations

import pytest

from bus.admin import KafkaAdmin
from bus.producer import KafkaProducer
from bus.reads import read_at, read_topics

pytestmark = pytest.mark.integration


async def test_records_are_read_at_their_addresses_and_missing_ones_are_absent(
    kafka_bootstrap: str, unique: str
) -> None:
    topic = f"bus.t{unique}.reads"
    await KafkaAdmin(kafka_bootstrap).create_topics([topic], 1)
    producer = KafkaProducer(kafka_bootstrap)
    await producer.start()
    try:
        for n in range(3):
            await producer.send_and_wait(topic, str(n).encode(), key=b"K", partition=0)
    finally:
        await producer.stop()
    found = await read_at(kafka_bootstrap, [(topic, 0, 1), (topic, 0, 7)], timeout_s=0.5)
    assert list(found) == [(topic, 0, 1)]
    assert found[(topic, 0, 1)].value == b"1"
    assert [r.value for r in await read_topics(kafka_bootstrap, [topic], timeout_s=30)] == [b"0", b"1", b"2"]
    assert await read_topics(kafka_bootstrap, [f"bus.t{unique}.missing"]) == []
