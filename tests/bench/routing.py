"""Benchmark: the routing decision per event against decoding the event, to show routing is cheap.

Every sink decodes each record it reads (``from_kafka``) and then asks ``decide`` whether its
subscription wants it; the decision includes administrative-unit normalisation
(``Normaliser.contains`` over current and pre-merger codes). The events are the publisher's own
Kafka records for parcels spread over every commune code of both eras, so about half carry a
pre-merger code next to today's. Two subscriptions: a province (Hà Nội) with a field predicate,
and ten pre-merger communes (the costliest filter shape: every code tried against each).
Both sides run one untimed pass first: the normaliser's caches are warm, as in a running hub.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from bus.producer import KafkaProducer
from connectors.postgres import PostgresCdcConfig
from connectors.publisher import Publisher
from hub.routing import decide
from hub.subscriptions.model import SubscriptionBase
from schemas.admin_units import default_normaliser
from schemas.events import ChangeEvent
from schemas.events.kafka_codec import KafkaMessage, from_kafka
from tests.bench import parcels, publish
from tests.bench.report import Measurement, throughput
from tests.bench.sizes import Sizes

T = TypeVar("T")
UNREACHABLE = "127.0.0.1:9"  # the publisher only builds records here; its producer never starts


async def run(sizes: Sizes, run_id: str) -> list[Measurement]:
    config = parcels.cdc_config("dbname=unused", f"{run_id}r")
    event_type = config.feeds[0].event_type
    messages = await _records(config, sizes.routed_events)
    decode_rate, events = _decoding(messages)
    found = []
    for label, spec in _subscriptions(event_type):
        subscription = SubscriptionBase.model_validate(
            {"id": "bench", "endpoint_url": "http://127.0.0.1/hook", "feeds": [event_type], "filter": spec}
        )
        ours = _rate(functools.partial(_route, subscription=subscription), events)
        name = f"route {len(events):,} events: {label}"
        found.append(throughput("routing", name, "events/s", ours, decode_rate, "from_kafka decode"))
    return found


async def _records(config: PostgresCdcConfig, count: int) -> list[KafkaMessage]:
    """The Kafka records the publisher builds for ``count`` parcel changes (nothing is sent)."""
    producer = KafkaProducer(UNREACHABLE, "unused")
    try:
        publisher = Publisher(config, producer, parcels.parcel_contract)
        return [publisher.record(change).message for change in publish.changes(count)]
    finally:
        await producer.stop()  # never started; stopping releases it quietly


def _route(event: ChangeEvent, subscription: SubscriptionBase) -> bool:
    return decide(event, subscription, default_normaliser()).matched


def _decode(message: KafkaMessage) -> ChangeEvent:
    return from_kafka(message.key, message.value, message.headers)


def _subscriptions(event_type: str) -> list[tuple[str, dict[str, Any]]]:
    ten_legacy = list(parcels.commune_codes()[0:20:2])
    province = {"admin_units": ["01"], "predicates": [{"path": "land_use_purpose", "value": "ODT"}]}
    return [("province + predicate", province), ("10 pre-merger communes", {"admin_units": ten_legacy})]


def _decoding(messages: Sequence[KafkaMessage]) -> tuple[float, list[ChangeEvent]]:
    events = [_decode(message) for message in messages]
    rate = _rate(_decode, messages)
    return rate, events


def _rate(step: Callable[[T], object], items: Sequence[T]) -> float:
    """Items per second of ``step`` over ``items``, on a second pass (the first warms caches)."""
    for item in items:
        step(item)
    started = time.perf_counter()
    for item in items:
        step(item)
    return len(items) / (time.perf_counter() - started)


__all__ = ["run"]
