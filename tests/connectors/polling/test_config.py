"""The sql_polling config: parsed through the registry, the password kept out of the URL and shown masked."""

from __future__ import annotations

from typing import Any

import pytest

from connectors import registry
from connectors.config import public_document, stored_document
from connectors.polling import SqlPollingConfig, TableColumns

FEED = {"table": "land.parcels", "event_type": "vn.gov.land.parcel.v1"}


def document(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "land-db",
        "kind": "sql_polling",
        "feeds": [FEED],
        "url": "mysql+pymysql://hub@db/land",
        **overrides,
    }


def test_the_registry_parses_the_kind() -> None:
    config = registry.parse_config(document(password="s3cret", safety_window_s=5))
    assert isinstance(config, SqlPollingConfig)
    assert config.engine_url().password == "s3cret"
    assert config.columns_of("land.parcels") == TableColumns()


def test_the_password_is_masked_in_public_documents_only() -> None:
    config = registry.parse_config(document(password="s3cret"))
    assert "s3cret" not in str(public_document(config)) and "s3cret" not in repr(config)
    assert stored_document(config)["password"] == "s3cret"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"url": "mysql+pymysql://hub:s3cret@db/land"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"outbox": "land.events"}, ""),
        ({"table_columns": {"land.other": {"updated_at": "changed"}}}, ""),
        ({"safety_window_s": -1}, "safety_window_s"),
        ({"outbox_cleanup": "truncate"}, "outbox_cleanup"),
    ],
)
def test_bad_configs_name_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(registry.InvalidConnectorConfig) as caught:
        registry.parse_config(document(**overrides))
    assert [error["field"] for error in caught.value.details] == [field]
    assert "s3cret" not in str(caught.value.details)


def test_per_table_columns_override_the_defaults() -> None:
    config = SqlPollingConfig.model_validate(
        document(
            columns={"updated_at": "modified"},
            table_columns={"land.parcels": {"updated_at": "changed", "soft_delete": "is_deleted"}},
        )
    )
    assert config.columns_of("land.parcels") == TableColumns(updated_at="changed", soft_delete="is_deleted")


def test_mark_cleanup_names_its_column() -> None:
    assert SqlPollingConfig.model_validate(document(outbox="land.parcels")).outbox_mark_column is None
    marking = SqlPollingConfig.model_validate(document(outbox="land.parcels", outbox_cleanup="mark"))
    assert marking.outbox_mark_column == "published_at"


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("mysql+pymysql://hub@db/land", "land"),
        ("sqlite:////var/lib/hub/civil.sqlite", "civil"),
        ("sqlite://", "land-db"),
    ],
)
def test_events_name_the_database_not_the_url(url: str, label: str) -> None:
    assert SqlPollingConfig.model_validate(document(url=url)).database_label() == label
