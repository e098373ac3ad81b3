"""``hub connect`` holds the connectors it runs to the hub's host allow-list, not only the API."""

from __future__ import annotations

import pytest

from connectors import registry
from hub.connect import build_worker
from hub.settings import Settings
from hub.store import connectors as stored
from hub.store.base import Store

pytestmark = pytest.mark.integration


async def test_a_connector_whose_host_left_the_allow_list_is_not_run(
    settings: Settings, kafka_bootstrap: str, unique: str
) -> None:
    configured = settings.model_copy(
        update={"kafka_bootstrap": kafka_bootstrap, "connector_host_allowlist": ["10.0.0.0/8"]}
    )
    worker = build_worker(configured, worker_id=f"w-{unique}")  # migrates the store
    store = Store(configured.store_url())
    name = f"old-{unique}"
    config = registry.parse_config({
        "name": name, "kind": "postgres_cdc", "dsn": "postgresql://hub@127.0.0.1:1/land",
        "feeds": [{"table": "public.parcels", "event_type": "vn.gov.land.parcel.v1"}],
    })  # fmt: skip
    with store.session() as session:
        stored.insert(session, config)  # registered before the allow-list was set
    try:
        await worker.tick()
        assert name not in worker.running
        with store.session() as session:
            status = stored.get(session, name).status
        assert status is not None and status["state"] == "failed"
        assert status["last_error"]["code"] == "connector_host_not_allowed"
    finally:
        await worker.shutdown()
        store.engine.dispose()
