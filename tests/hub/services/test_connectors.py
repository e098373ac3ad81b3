"""The connector service: what it refuses before the store changes, and what deletion returns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest

from connectors.config import ConnectorConfigBase, TableFeed
from hub.services.connectors import ConnectorService, UnknownTable
from hub.settings import Settings
from hub.store import migrate
from hub.store.base import Store
from hub.store.connectors import ConnectorExists, ConnectorNotFound


class PlainConfig(ConnectorConfigBase):
    kind: Literal["plain"]


def config(name: str) -> PlainConfig:
    return PlainConfig(
        name=name, kind="plain", feeds=[TableFeed(table="public.parcels", event_type="vn.gov.land.parcel.v1")]
    )


@pytest.fixture
def service(settings: Settings) -> Iterator[ConnectorService]:
    migrate.upgrade(settings.store_url())
    store = Store(settings.store_url())
    yield ConnectorService(store)
    store.engine.dispose()


def test_a_registered_name_is_refused_before_any_check(service: ConnectorService) -> None:
    service.insert(config("land-db"))
    with pytest.raises(ConnectorExists):
        service.refuse_existing("land-db")
    service.refuse_existing("other-db")
    service.refuse_existing(None)  # no name yet: the document's own check will say so


def test_a_snapshot_of_a_table_the_connector_does_not_capture_is_refused(service: ConnectorService) -> None:
    service.insert(config("land-db"))
    with pytest.raises(UnknownTable) as caught:
        service.request_snapshot("land-db", ["public.parcels", "public.owners"])
    assert caught.value.code == "unknown_table"
    assert caught.value.details == {"tables": ["public.parcels"]}
    assert service.get("land-db").snapshot_tables == ()


def test_a_snapshot_of_its_own_tables_is_recorded(service: ConnectorService) -> None:
    service.insert(config("land-db"))
    assert service.request_snapshot("land-db", ["public.parcels"]).snapshot_tables == ("public.parcels",)


def test_deleting_returns_the_connector_as_it_was(service: ConnectorService) -> None:
    service.insert(config("land-db"))
    paused = service.set_paused("land-db", True)
    before = service.delete("land-db")
    assert (before.name, before.paused, before.generation) == ("land-db", True, paused.generation)
    assert service.find("land-db") is None
    with pytest.raises(ConnectorNotFound):
        service.get("land-db")
