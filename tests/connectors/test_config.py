"""Connector configs: typed parsing by kind, and secrets that stay out of every public view."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import SecretStr, ValidationError

from connectors import registry
from connectors.config import (
    SECRET_MASK,
    ConnectorConfigBase,
    TableFeed,
    keep_masked_secrets,
    public_document,
    stored_document,
)
from schemas.errors import Conflict
from tests.connectors.memory_source import MemoryConfig, MemorySource, install

FEED = {"table": "public.parcels", "event_type": "vn.gov.land.parcel.v1"}


class VaultConfig(ConnectorConfigBase):
    kind: Literal["vault_test"]
    dsn: str
    password: SecretStr


def vault(**changes: object) -> VaultConfig:
    document = {
        "name": "land-db",
        "kind": "vault_test",
        "dsn": "host=db",
        "password": "pw-1",
        "feeds": [FEED],
    }
    return VaultConfig.model_validate(document | changes)


def test_public_view_masks_secret_fields_and_passwords_inside_connection_strings() -> None:
    config = vault(dsn="postgresql://hub:pw-2@db:5432/land?sslmode=require")
    shown = public_document(config)
    assert shown["password"] == SECRET_MASK
    assert shown["dsn"] == f"postgresql://hub:{SECRET_MASK}@db:5432/land?sslmode=require"
    assert (
        public_document(vault(dsn="host=db password='p w' user=hub"))["dsn"]
        == f"host=db password={SECRET_MASK} user=hub"
    )
    assert "pw-1" not in repr(config) and "pw-1" not in str(shown)


def test_the_store_gets_the_secrets_and_a_masked_document_sent_back_keeps_them() -> None:
    config = vault(dsn="postgresql://hub:pw-2@db/land")
    stored = stored_document(config)
    assert (stored["password"], stored["dsn"]) == ("pw-1", "postgresql://hub:pw-2@db/land")
    sent_back = public_document(config) | {"batch_size": 10}
    merged = keep_masked_secrets(sent_back, stored)
    assert (merged["password"], merged["dsn"], merged["batch_size"]) == (
        "pw-1",
        "postgresql://hub:pw-2@db/land",
        10,
    )
    changed = keep_masked_secrets(sent_back | {"password": "pw-new"}, stored)
    assert changed["password"] == "pw-new"


def test_a_feed_names_a_valid_event_type_and_a_table_appears_once() -> None:
    with pytest.raises(ValidationError, match=r"vn\.gov\.<domain>"):
        TableFeed(table="public.parcels", event_type="land.parcel")
    with pytest.raises(ValidationError, match="listed twice"):
        vault(feeds=[FEED, FEED])
    assert TableFeed.model_validate(FEED).topic == "gov.land.parcel.v1"


def test_parse_picks_the_kind_and_names_wrong_fields_without_echoing_values() -> None:
    install()
    registry.register("vault_test", VaultConfig, MemorySource)  # type: ignore[arg-type]
    parsed = registry.parse_config({"name": "m", "kind": "memory", "database": "d", "feeds": [FEED]})
    assert isinstance(parsed, MemoryConfig)
    with pytest.raises(registry.InvalidConnectorConfig) as caught:
        registry.parse_config(vault().model_dump() | {"password": 12345678, "batch_size": 0})
    fields = {item["field"] for item in caught.value.details}
    assert fields == {"password", "batch_size"}
    assert "12345678" not in str(caught.value.details)
    with pytest.raises(registry.UnknownKind) as unknown:
        registry.parse_config({"kind": "oracle_cdc", "name": "x"})
    assert {"postgres_cdc", "sql_polling", "memory"} <= set(unknown.value.details["known"])


def test_a_kind_cannot_be_registered_twice_with_another_model() -> None:
    install()
    with pytest.raises(Conflict):
        registry.register("memory", VaultConfig, MemorySource)  # type: ignore[arg-type]
