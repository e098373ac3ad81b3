"""A publisher builds the administrative-unit index while it starts, in a worker thread, so the
first change is not held up on the event loop by one-time work (issue 13: the first publish
stalled 0.5-3 s while the index was built)."""

from __future__ import annotations

import threading

from bus.memory import MemoryBroker
from connectors.contracts import BuiltinContracts
from connectors.publisher import Publisher
from schemas.admin_units import Resolution
from schemas.errors import UnknownAdminUnit
from tests.connectors.memory_source import MemoryConfig
from tests.connectors.test_record_memory import FEED


class Recording:
    """A resolver that notes which thread first asked it, and knows no unit."""

    version = "test"

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []

    def resolve(self, code_or_name: str) -> Resolution:
        self.threads.append(threading.current_thread())
        raise UnknownAdminUnit(f"unknown {code_or_name}")

    def split_candidates(self, code: str) -> tuple[str, ...]:
        return ()


async def test_start_resolves_once_off_the_event_loop() -> None:
    units = Recording()
    config = MemoryConfig(name="land-db", kind="memory", database="d", feeds=[FEED])
    await Publisher(config, MemoryBroker().producer(), BuiltinContracts(), units).start()
    assert len(units.threads) == 1
    assert units.threads[0] is not threading.main_thread()


async def test_a_feed_without_units_builds_nothing() -> None:
    units = Recording()
    feed = FEED.model_copy(update={"admin_unit_column": None, "mapping": None})
    config = MemoryConfig(name="land-db", kind="memory", database="d", feeds=[feed])
    await Publisher(config, MemoryBroker().producer(), BuiltinContracts(), units).start()
    assert units.threads == []
