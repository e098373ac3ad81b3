"""The connectors' producer: a refused produce is retried soon, not after aiokafka's 100 ms."""

from __future__ import annotations

from bus.producer import KafkaProducer
from connectors.task import CAPTURE_RETRY_BACKOFF_MS, capture_producer


async def test_the_capture_producer_retries_within_tens_of_milliseconds() -> None:
    producer = capture_producer("127.0.0.1:9", "connector-test")  # never started: no broker needed
    try:
        assert isinstance(producer, KafkaProducer)
        sender = producer._producer._sender  # aiokafka sleeps this long, its broker's requests held
        assert sender._retry_backoff == CAPTURE_RETRY_BACKOFF_MS / 1000 <= 0.02
    finally:
        await producer.stop()
