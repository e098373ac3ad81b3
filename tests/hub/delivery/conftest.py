"""A deployment (store, feed topic, producer, receivers, hub) per integration test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hub.settings import Settings
from tests.hub.delivery.harness import Deployment, deployment


@pytest.fixture
async def hub_deployment(settings: Settings, kafka_bootstrap: str, unique: str) -> AsyncIterator[Deployment]:
    async with deployment(settings, kafka_bootstrap, unique) as made:
        yield made
