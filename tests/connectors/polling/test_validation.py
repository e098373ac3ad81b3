"""Registration refuses a config that cannot work, with the precise code, before any read."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, Text

from connectors import registry
from connectors.context import SourceContext
from connectors.polling import SqlPollingSource
from schemas.errors import ConfigurationError, SourceError
from tests.connectors.polling.databases import SqlItemsDatabase, feed, polling_config

pytestmark = pytest.mark.integration


def refused(config: object) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as caught:
        registry.validate(config)  # type: ignore[arg-type]
    return caught.value


async def test_a_working_config_passes(source_db: SqlItemsDatabase, unique: str) -> None:
    table = f"{source_db.default_schema}.items"
    await source_db.create_items_table(table)
    outbox = f"{source_db.default_schema}.outbox"
    await source_db.create_outbox_table(outbox)
    registry.validate(polling_config(source_db.url, unique, [feed(table), feed(outbox)], outbox=outbox))


@pytest.mark.parametrize(
    ("url", "password"),
    [
        ("sqlite:////nonexistent-dir/source.sqlite", None),
        ("postgresql+psycopg://hub@127.0.0.1:1/land", "s3cret"),
    ],
)
def test_an_unreachable_database(url: str, password: str | None, unique: str) -> None:
    error = refused(polling_config(url, unique, [feed("public.items")], password=password))
    assert error.code == "source_unreachable"
    assert "s3cret" not in error.message


@pytest.mark.parametrize(
    ("url", "password"),
    [
        ("mysql+nosuchdriver://hub@db/land", None),
        ("oracle+oracledb://hub@db/land", None),
        ("sqlite:///x", "pw"),
    ],
)
def test_an_unusable_url(url: str, password: str | None, unique: str) -> None:
    error = refused(polling_config(url, unique, [feed("public.items")], password=password))
    assert error.code == "source_url_unusable"
    assert password is None or password not in error.message


async def test_a_missing_table(source_db: SqlItemsDatabase, unique: str) -> None:
    error = refused(polling_config(source_db.url, unique, [feed(f"{source_db.default_schema}.nowhere")]))
    assert error.code == "table_missing" and "nowhere" in error.message


async def test_a_missing_column(source_db: SqlItemsDatabase, unique: str) -> None:
    table = f"{source_db.default_schema}.items"
    await source_db.create_items_table(table)
    error = refused(polling_config(source_db.url, unique, [feed(table)], columns={"updated_at": "modified"}))
    assert error.code == "column_missing" and error.details == {"table": table, "columns": ["modified"]}


async def test_an_outbox_off_the_convention(source_db: SqlItemsDatabase, unique: str) -> None:
    table = f"{source_db.default_schema}.items"
    await source_db.create_items_table(table)
    error = refused(polling_config(source_db.url, unique, [feed(table)], outbox=table))
    assert error.code == "column_missing" and "aggregate_type" in error.details["columns"]


async def test_a_table_without_key(source_db: SqlItemsDatabase, unique: str) -> None:
    await _create(source_db, Column("updated_at", DateTime(timezone=True)), Column("note", Text))
    error = refused(
        polling_config(source_db.url, unique, [feed(f"{source_db.default_schema}.bare")], columns={})
    )
    assert error.code == "key_missing"


async def test_an_updated_at_that_is_not_a_timestamp(source_db: SqlItemsDatabase, unique: str) -> None:
    await _create(source_db, Column("id", Integer, primary_key=True), Column("updated_at", Text))
    error = refused(
        polling_config(source_db.url, unique, [feed(f"{source_db.default_schema}.bare")], columns={})
    )
    assert error.code == "column_type_unsupported"


async def _create(db: SqlItemsDatabase, *columns: Column[object]) -> None:
    table = Table("bare", MetaData(), *columns)
    await db.run(lambda: table.create(db.engine))


async def test_a_failed_start_raises_the_reason_and_keeps_no_connection(
    source_db: SqlItemsDatabase, unique: str
) -> None:
    source = SqlPollingSource(
        polling_config(source_db.url, unique, [feed(f"{source_db.default_schema}.nowhere")]),
        SourceContext(connector=unique, position=None, log=logging.getLogger(unique)),
    )
    with pytest.raises(ConfigurationError) as caught:
        await source.start()
    assert caught.value.code == "table_missing"
    with pytest.raises(SourceError):
        await source.read()
