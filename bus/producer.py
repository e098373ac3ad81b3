"""The producer: idempotent with ``acks=all``, for connectors and hub alike.

The broker de-duplicates the producer's own retries and keeps their order per partition, so a
batch sent in order lands in order. ``send`` only queues a record; ``send_many`` queues a whole
list for one topic as one record batch per partition (the per-record path costs about as much
as building the event; a bulk load must not pay it), partitioned by key exactly as ``send``
partitions; ``acknowledged`` waits for the broker's acknowledgement of everything queued, which
is the moment a source position may be committed. ``send_and_wait`` is the one-record form the
hub's sinks and exporters use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.structs import RecordMetadata

from bus import profile
from bus.admin import KafkaAdmin
from bus.errors import translated
from bus.headers import Header
from bus.ports import Ack
from bus.records import Sent
from schemas.errors import BusError
from schemas.events.kafka_codec import KafkaMessage

LINGER_MS = 5
RETRY_BACKOFF_MS = 100  # aiokafka's own default
MAX_BATCH_BYTES = 1_048_576
REQUEST_TIMEOUT_MS = 30_000
ACK_TIMEOUT_S = 60.0  # an idempotent aiokafka producer retries forever; callers give up sooner
STOP_TIMEOUT_S = 1.5  # a process stops within seconds of SIGTERM (hub.processes.signals)


class KafkaProducer:
    """Queues records and waits for their acknowledgements; every failure is a ``BusError``."""

    def __init__(
        self,
        bootstrap: str,
        client_id: str | None = None,
        *,
        ack_timeout_s: float = ACK_TIMEOUT_S,
        linger_ms: int = LINGER_MS,
        retry_backoff_ms: int = RETRY_BACKOFF_MS,
    ) -> None:
        """``linger_ms``: how long a record sent alone (``send``) waits for others to share its
        batch; ``send_many`` builds whole batches itself, so linger only delays them.
        ``retry_backoff_ms``: the wait before a refused produce (e.g. a leader not ready yet) or a
        metadata lookup is tried again; every record queued behind it waits as long."""
        self.bootstrap = bootstrap
        self.ack_timeout_s = ack_timeout_s
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap,
            client_id=client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=linger_ms,
            retry_backoff_ms=retry_backoff_ms,
            max_batch_size=MAX_BATCH_BYTES,
            request_timeout_ms=REQUEST_TIMEOUT_MS,
            **profile.current().security.client_options(),
        )
        self._known_topics: set[str] = set()
        self._partitioner = DefaultPartitioner()  # the producer's own, so both paths agree per key

    async def start(self) -> None:
        """Connect; when the broker cannot be reached, close (no leaked connections) and raise."""
        try:
            with translated(f"cannot connect to Kafka at {self.bootstrap}"):
                await self._producer.start()
        except BusError:
            await self._producer.stop()
            raise

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
        """The topics exist and this producer knows their partitions: the first record sent to one
        does not wait for a metadata lookup (and its retry backoff) behind the caller's back."""
        missing = sorted(set(names) - self._known_topics)
        if missing:
            await KafkaAdmin(self.bootstrap).create_topics(missing)
            with translated("cannot read the topics' partitions"):
                for name in missing:
                    await self._producer.partitions_for(name)
            self._known_topics.update(missing)

    async def send(self, topic: str, message: KafkaMessage) -> Ack:
        """Queue one record (waits only when the producer's buffer is full)."""
        with translated(f"cannot send to {topic}"):
            ack: Ack = await self._producer.send(
                topic, value=message.value, key=message.key, headers=message.headers
            )
        ack.add_done_callback(_observed)
        return ack

    async def send_many(self, topic: str, messages: Sequence[KafkaMessage]) -> list[Ack]:
        """Queue ``messages`` in order as record batches, one ack per message (in their order).

        Each partition's messages keep their relative order: they fill batches in order and the
        batches of one partition are queued in order, behind any the producer already holds.
        """
        with translated(f"cannot send to {topic}"):
            partitions = sorted(await self._producer.partitions_for(topic))
            placement = [self._partitioner(m.key, partitions, partitions) for m in messages]
            by_partition: dict[int, list[KafkaMessage]] = {}
            for partition, message in zip(placement, messages, strict=True):
                by_partition.setdefault(partition, []).append(message)
            queued = {
                partition: iter(await self._send_partition(topic, partition, group))
                for partition, group in by_partition.items()
            }
        return [next(queued[partition]) for partition in placement]  # back in the callers' order

    async def _send_partition(self, topic: str, partition: int, messages: list[KafkaMessage]) -> list[Ack]:
        acks: list[Ack] = []
        batch, count = self._producer.create_batch(), 0
        for message in messages:
            if _append(batch, message) is None:  # full: queue it, go on in a new one
                acks += await self._submit(batch, topic, partition, count)
                batch, count = self._producer.create_batch(), 0
                if _append(batch, message) is None:
                    raise BusError(f"a record of {len(message.value)} bytes fits no batch of {topic}")
            count += 1
        return acks + await self._submit(batch, topic, partition, count)

    async def _submit(self, batch: Any, topic: str, partition: int, count: int) -> list[Ack]:
        """Queue one batch; its acknowledgement resolves one future per record, at its offset
        (with the batch's timestamp as the broker returned it: -1 for create-time topics)."""
        loop = asyncio.get_running_loop()
        acks: list[Ack] = [loop.create_future() for _ in range(count)]
        sent: Ack = await self._producer.send_batch(batch, topic, partition=partition)
        sent.add_done_callback(lambda done: _fan_out(done, acks))
        return acks

    async def send_record(
        self,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None,
        headers: Sequence[Header],
        partition: int,
    ) -> Ack:
        """Queue one record for an explicit partition; ``value=None`` is a tombstone (compaction)."""
        with translated(f"cannot send to {topic}"):
            ack: Ack = await self._producer.send(
                topic, value=value, key=key, headers=list(headers), partition=partition
            )
        ack.add_done_callback(_observed)
        return ack

    async def acknowledged(self, acks: Sequence[Ack]) -> None:
        """Wait until the broker acknowledged every record of ``acks`` (all, or a ``BusError``)."""
        await wait_acknowledged(acks, self.ack_timeout_s)

    async def send_and_wait(
        self,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None = None,
        headers: Sequence[Header] = (),
        partition: int | None = None,
    ) -> Sent:
        """Send one record and wait for its acknowledgement."""
        with translated(f"cannot write to {topic}"):
            meta = await self._producer.send_and_wait(
                topic, value, key=key, headers=list(headers), partition=partition
            )
        return Sent(meta.partition, meta.offset, meta.timestamp)


async def wait_acknowledged(acks: Sequence[Ack], timeout_s: float) -> None:
    if not acks:
        return
    done, pending = await asyncio.wait(acks, timeout=timeout_s)
    if pending:
        raise BusError(f"Kafka acknowledged {len(done)} of {len(acks)} records within {timeout_s:g}s")
    error = next((ack.exception() for ack in done if ack.exception() is not None), None)
    if error is not None:
        raise BusError(f"Kafka refused a record: {error}") from error


def _append(batch: Any, message: KafkaMessage) -> Any:
    return batch.append(key=message.key, value=message.value, timestamp=None, headers=message.headers)


def _fan_out(batch: Ack, acks: list[Ack]) -> None:
    """A batch's outcome, given to each of its records (an error is marked seen, see ``_observed``)."""
    if batch.cancelled():
        for ack in acks:
            ack.cancel()
        return
    error = batch.exception()
    if error is not None:
        for ack in acks:
            ack.set_exception(error)
            ack.exception()
        return
    meta = batch.result()
    for index, ack in enumerate(acks):
        ack.set_result(
            RecordMetadata(
                meta.topic, meta.partition, meta.topic_partition, meta.offset + index,
                meta.timestamp, meta.timestamp_type, meta.log_start_offset,
            )
        )  # fmt: skip


def _observed(ack: Ack) -> None:
    """Mark a failure as seen: the caller reports the first one of a batch, not every record's."""
    if not ack.cancelled():
        ack.exception()


__all__ = ["ACK_TIMEOUT_S", "KafkaProducer", "wait_acknowledged"]
