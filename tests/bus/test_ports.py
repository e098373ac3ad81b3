"""The Kafka adapter and the in-memory broker share one interface (mypy checks the assignments)."""

from __future__ import annotations

from bus.admin import KafkaAdmin
from bus.consumer import KafkaConsumer
from bus.memory import MemoryAdmin, MemoryConsumer, MemoryProducer
from bus.ports import Admin, Consumer, Producer
from bus.producer import KafkaProducer

PRODUCERS: tuple[type[Producer], ...] = (KafkaProducer, MemoryProducer)
CONSUMERS: tuple[type[Consumer], ...] = (KafkaConsumer, MemoryConsumer)
ADMINS: tuple[type[Admin], ...] = (KafkaAdmin, MemoryAdmin)


def test_both_sides_offer_every_method_of_each_protocol() -> None:
    for protocol, sides in ((Producer, PRODUCERS), (Consumer, CONSUMERS), (Admin, ADMINS)):
        wanted = {name for name in vars(protocol) if not name.startswith("_")}
        for side in sides:
            assert wanted <= set(dir(side)), (side, wanted - set(dir(side)))
