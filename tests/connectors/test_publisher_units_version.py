"""The publisher stamps each event that has a unit with the administrative-units version it resolved
the code by (``adminunitversion``): the shipped one by default, the active one it is handed."""

from __future__ import annotations

from bus.memory import MemoryBroker
from connectors.contracts import BuiltinContracts
from connectors.publisher import Publisher
from schemas.admin_units import AdminUnitResolver, default_normaliser
from schemas.events import Op
from tests.connectors.memory_source import MemoryConfig
from tests.connectors.test_record_memory import FEED, TOPIC, certificate, change
from tests.fixtures.admin_units.versions import merged_units


async def published_headers(units: AdminUnitResolver | None) -> dict[str, str]:
    broker = MemoryBroker()
    config = MemoryConfig(name="land-db", kind="memory", database="d", feeds=[FEED])
    publisher = Publisher(config, broker.producer(), BuiltinContracts(), units)
    await publisher.publish([change(Op.CREATE, "0/1", after=certificate(commune_code="01849"))])
    [record] = [record for partition in broker.topics[TOPIC] for record in partition]
    return {name: value.decode() for name, value in record.headers}


async def test_the_shipped_version_by_default() -> None:
    headers = await published_headers(None)
    assert headers["ce_adminunitversion"] == "2025.07" == default_normaliser().version
    assert headers["ce_adminunit"] == "01849"


async def test_the_version_it_is_handed() -> None:
    headers = await published_headers(merged_units())
    assert headers["ce_adminunitversion"] == "2026.01"
    assert headers["ce_adminunit"] == "01849"  # the shipped reading; routing carries it forward
