"""Whether the two things every hub process depends on answer: the Kafka broker and the store.

Each probe is bounded by ``timeout_s`` and raises a 503 error naming what failed, so ``/readyz``
takes a process out of rotation instead of letting every request fail, and ``hub status`` can
say which dependency is down. The bus's and SQLAlchemy's errors are translated here.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bus.admin import KafkaAdmin
from hub.settings import Settings
from hub.store.base import Store
from hub.store.connector_runtime import StoreUnavailable
from schemas.errors import BusError, ConfigurationError, HubError

PROBE_TIMEOUT_S = 3.0


class BrokerUnavailable(HubError):
    code = "broker_unavailable"
    status = 503
    retriable = True


def _select_one(store: Store) -> None:
    with store.session() as session:
        session.execute(text("SELECT 1"))


async def check_store(store: Store, timeout_s: float = PROBE_TIMEOUT_S) -> None:
    try:
        async with asyncio.timeout(timeout_s):
            await asyncio.to_thread(_select_one, store)
    except (SQLAlchemyError, TimeoutError) as exc:
        raise StoreUnavailable(f"the control-plane store does not answer ({type(exc).__name__})") from exc


async def check_broker(settings: Settings, timeout_s: float = PROBE_TIMEOUT_S) -> None:
    """Connect and read the cluster's metadata (which is what every client does first)."""
    try:
        bootstrap = settings.kafka_address()
    except ConfigurationError as exc:
        raise BrokerUnavailable(exc.message) from exc
    try:
        await KafkaAdmin(bootstrap).probe(timeout_s)
    except BusError as exc:
        raise BrokerUnavailable(exc.message) from exc


__all__ = ["BrokerUnavailable", "StoreUnavailable", "check_broker", "check_store"]
