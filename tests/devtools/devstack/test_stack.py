"""The local stack is idempotent: a second ``ensure`` reuses the running services."""

from __future__ import annotations

import pytest

from devtools.devstack import stack
from devtools.devstack.process import ServiceState
from hub.settings import Settings

pytestmark = pytest.mark.integration


def test_ensure_twice_starts_nothing_new(
    base_settings: Settings, kafka_bootstrap: str, postgres_dsn: str
) -> None:
    if base_settings.kafka_bootstrap or base_settings.postgres_dsn:
        pytest.skip("external servers configured: the local stack is not in use")
    before = ServiceState.load(base_settings.state_dir / "kafka" / "state.json")
    again = stack.ensure(base_settings)
    after = ServiceState.load(base_settings.state_dir / "kafka" / "state.json")
    assert again.started == ()
    assert again.kafka_bootstrap == kafka_bootstrap
    assert again.postgres_dsn == postgres_dsn
    assert before == after
