"""Readiness probes against the real broker and store, and against addresses where nothing listens."""

from __future__ import annotations

import time

import pytest

from hub.observability.readiness import BrokerUnavailable, check_broker, check_store
from hub.settings import Settings
from hub.store.base import Store
from hub.store.connector_runtime import StoreUnavailable
from tests.hub.observability.nowhere import closed_port, nowhere

pytestmark = pytest.mark.integration


async def test_a_running_broker_and_store_are_ready(
    settings: Settings, kafka_bootstrap: str, store: Store
) -> None:
    await check_broker(settings.model_copy(update={"kafka_bootstrap": kafka_bootstrap}))
    await check_store(store)


async def test_a_broker_nobody_answers_for_is_unavailable_within_the_timeout(settings: Settings) -> None:
    started = time.monotonic()
    with pytest.raises(BrokerUnavailable) as raised:
        await check_broker(settings.model_copy(update={"kafka_bootstrap": nowhere()}), 2.0)
    assert time.monotonic() - started < 5
    assert raised.value.status == 503 and raised.value.code == "broker_unavailable"


async def test_a_store_nobody_answers_for_is_unavailable() -> None:
    store = Store(f"postgresql+psycopg://hub:secret@127.0.0.1:{closed_port()}/hub?connect_timeout=2")
    try:
        with pytest.raises(StoreUnavailable) as raised:
            await check_store(store, 5.0)
    finally:
        store.engine.dispose()
    assert raised.value.status == 503
    assert "secret" not in raised.value.message
