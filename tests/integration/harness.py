"""What the end-to-end tests share: the hub's settings for them and a migrated store."""

from __future__ import annotations

import asyncio

from hub.settings import Settings
from hub.store import migrate
from hub.store.base import Store


async def hub_on(settings: Settings, kafka_bootstrap: str) -> tuple[Settings, Store]:
    """Settings for a hub on the test broker, delivering to loopback receivers without grants
    (access control is another area's test), and its store, migrated."""
    engine = settings.model_copy(
        update={
            "kafka_bootstrap": kafka_bootstrap,
            "endpoint_allowlist": ["127.0.0.0/8"],
            "auth_enabled": False,
        }
    )
    await asyncio.to_thread(migrate.upgrade, engine.store_url())
    return engine, Store(engine.store_url())
