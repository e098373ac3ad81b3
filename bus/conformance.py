"""Mypy checks here that the Kafka adapter and the in-memory broker both satisfy ``ports``."""

from __future__ import annotations

from bus.admin import KafkaAdmin
from bus.consumer import KafkaConsumer
from bus.memory import MemoryAdmin, MemoryConsumer, MemoryProducer
from bus.ports import Admin, Consumer, Producer
from bus.producer import KafkaProducer

PRODUCERS: tuple[type[Producer], ...] = (KafkaProducer, MemoryProducer)
CONSUMERS: tuple[type[Consumer], ...] = (KafkaConsumer, MemoryConsumer)
ADMINS: tuple[type[Admin], ...] = (KafkaAdmin, MemoryAdmin)
