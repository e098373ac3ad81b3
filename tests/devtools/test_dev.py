"""``devtools dev``: the API, connector worker and delivery engine in one process, stopped together."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import httpx
import pytest

from devtools.dev import LOCAL_ENDPOINTS, DevHub, dev_admin_token, dev_settings
from hub.delivery.control.supervisor import Supervisor
from hub.settings import Settings
from schemas.errors import HubError
from tests.hub.delivery.waiting import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
def local(settings: Settings, tmp_path: Path, kafka_bootstrap: str, postgres_dsn: str) -> Settings:
    found = settings.model_copy(
        update={"kafka_bootstrap": kafka_bootstrap, "postgres_dsn": postgres_dsn, "state_dir": tmp_path}
    )
    return found.model_copy(update={"api_port": 0})  # any free port


async def test_one_command_serves_the_api_docs_and_metrics_until_stopped(local: Settings) -> None:
    token_file = dev_admin_token(local)  # as `make dev` makes it, before starting the parts
    assert token_file is not None
    hub = DevHub(local)
    stop = asyncio.Event()
    running = asyncio.create_task(hub.run(stop))
    try:
        await eventually(lambda: hub.server.started or running.done(), timeout_s=20)
        async with httpx.AsyncClient(base_url=hub.url, timeout=10) as client:
            assert (await client.get("/docs")).status_code == 200
            assert (await client.get("/readyz")).json() == {"status": "ok"}
            token = token_file.read_text().strip()  # metrics are behind a token
            metrics = await client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
            assert "hub_build_info" in metrics.text
    finally:
        stop.set()
        async with asyncio.timeout(30):
            await running
    assert hub.server.should_exit


async def test_a_part_that_fails_stops_the_others_and_says_which(
    local: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(self: Supervisor, stop: asyncio.Event) -> None:
        raise HubError("the store is gone")  # an absent broker would only be waited for

    monkeypatch.setattr(Supervisor, "run", broken)
    hub = DevHub(local)
    with pytest.raises(HubError, match="the delivery engine failed"):
        async with asyncio.timeout(60):
            await hub.run(asyncio.Event())
    assert hub.server.should_exit


def test_a_fresh_store_gets_a_development_admin_whose_token_stays_in_a_private_file(local: Settings) -> None:
    path = dev_admin_token(local)
    assert path is not None and path.parent == local.state_dir
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8").startswith("hub_")
    assert dev_admin_token(local) == path  # found again, not made twice
    path.unlink()
    assert dev_admin_token(local) is None  # the store has its admin: no second one


def test_dev_settings_allow_local_webhooks_unless_told_otherwise(local: Settings) -> None:
    found = dev_settings(local.model_copy(update={"endpoint_allowlist": []}), port=8700, allow_local=True)
    assert (found.endpoint_allowlist, found.api_port) == (LOCAL_ENDPOINTS, 8700)
    assert found.kafka_bootstrap == local.kafka_bootstrap and found.postgres_dsn == local.postgres_dsn
    chosen = local.model_copy(update={"endpoint_allowlist": ["10.0.0.0/8"]})
    assert dev_settings(chosen, port=None, allow_local=True).endpoint_allowlist == ["10.0.0.0/8"]
    assert (
        dev_settings(
            local.model_copy(update={"endpoint_allowlist": []}), port=None, allow_local=False
        ).endpoint_allowlist
        == []
    )
