"""The connectors' Kafka adapter, and THE place where their aiokafka errors become ``BusError``.

One idempotent producer per task (``enable_idempotence`` with ``acks=all``): the broker
de-duplicates the producer's own retries and keeps their order per partition, so a batch sent
in order lands in order. ``send`` only queues a record; ``acknowledged`` waits for the broker's
acknowledgement of everything queued, which is the moment a source position may be committed.

Feed and quarantine topics are created when missing (production clusters disable auto-create),
with ``FEED_PARTITIONS`` partitions: records of one key always share a partition, so per-record
order holds whatever the count.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError

from schemas.errors import BusError
from schemas.events.kafka_codec import KafkaMessage

FEED_PARTITIONS = 6
MAX_REPLICATION = 3
TOPIC_ALREADY_EXISTS = 36
LINGER_MS = 5
MAX_BATCH_BYTES = 1_048_576
REQUEST_TIMEOUT_MS = 30_000
ACK_TIMEOUT_S = 60.0  # an idempotent aiokafka producer retries forever; the task gives up sooner
STOP_TIMEOUT_S = 10.0

Ack = asyncio.Future[Any]


class FeedProducer:
    """Queues records and waits for their acknowledgements; every failure is a ``BusError``."""

    def __init__(self, bootstrap: str, client_id: str, *, ack_timeout_s: float = ACK_TIMEOUT_S) -> None:
        self.bootstrap = bootstrap
        self.ack_timeout_s = ack_timeout_s
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap,
            client_id=client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=LINGER_MS,
            max_batch_size=MAX_BATCH_BYTES,
            request_timeout_ms=REQUEST_TIMEOUT_MS,
        )
        self._known_topics: set[str] = set()

    async def start(self) -> None:
        try:
            await self._producer.start()
        except KafkaError as exc:
            await self._producer.stop()
            raise BusError(f"cannot connect to Kafka at {self.bootstrap}: {exc}") from exc

    async def stop(self) -> None:
        """Flush and close; records still unacknowledged after ``STOP_TIMEOUT_S`` are abandoned."""
        try:
            await asyncio.wait_for(self._producer.stop(), STOP_TIMEOUT_S)
        except TimeoutError:
            await self._abandon()

    async def _abandon(self) -> None:
        """Drop what the producer still retries (their positions were never committed).

        aiokafka retries an idempotent producer's batches forever and its ``stop`` waits for them;
        it has no public abort, so the sender loop and the connections are closed directly.
        """
        await self._producer._sender.close()
        await self._producer.client.close()

    async def ensure_topics(self, names: Iterable[str]) -> None:
        missing = sorted(set(names) - self._known_topics)
        if missing:
            await create_topics(self.bootstrap, missing)
            self._known_topics.update(missing)

    async def send(self, topic: str, message: KafkaMessage) -> Ack:
        """Queue one record (waits only when the producer's buffer is full)."""
        try:
            ack: Ack = await self._producer.send(
                topic, value=message.value, key=message.key, headers=message.headers
            )
        except KafkaError as exc:
            raise BusError(f"cannot send to {topic}: {exc}") from exc
        ack.add_done_callback(_observed)
        return ack

    async def acknowledged(self, acks: Sequence[Ack]) -> None:
        """Wait until the broker acknowledged every record of ``acks`` (all, or a ``BusError``)."""
        if not acks:
            return
        done, pending = await asyncio.wait(acks, timeout=self.ack_timeout_s)
        if pending:
            raise BusError(
                f"Kafka acknowledged {len(done)} of {len(acks)} records within {self.ack_timeout_s:g}s"
            )
        error = next((ack.exception() for ack in done if ack.exception() is not None), None)
        if error is not None:
            raise BusError(f"Kafka refused a record: {error}") from error


def _observed(ack: Ack) -> None:
    """Mark a failure as seen: the task reports the first one of a batch, not every record's."""
    if not ack.cancelled():
        ack.exception()


async def create_topics(bootstrap: str, names: Sequence[str], partitions: int = FEED_PARTITIONS) -> None:
    """Create the topics that do not exist yet, replicated on up to ``MAX_REPLICATION`` brokers."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        await admin.start()
        brokers = len((await admin.describe_cluster())["brokers"])
        replicas = max(1, min(MAX_REPLICATION, brokers))
        response = await admin.create_topics([NewTopic(name, partitions, replicas) for name in names])
    except KafkaError as exc:
        raise BusError(f"cannot create topics {', '.join(names)}: {exc}") from exc
    finally:
        await admin.close()
    failed = [
        (name, code) for name, code, *_ in response.topic_errors if code not in (0, TOPIC_ALREADY_EXISTS)
    ]
    if failed:
        raise BusError(f"cannot create topics: {failed}")


__all__ = ["FEED_PARTITIONS", "Ack", "FeedProducer", "create_topics"]
