"""The shared test suite every connector kind passes (after FastStream's ``tests/brokers/base``).

It drives a kind's ``Source`` through the call order of ``connectors.source`` (start, read,
commit, stop) and checks the guarantees the runtime relies on: a snapshot first, then the
stream in commit order; a restart resumes after the committed position and never re-reads what
was committed; what was read but not committed is read again, with the same positions (hence
the same event ids); deletes arrive with the record key. Once the batch that ends a snapshot is
committed, a restart streams and does not snapshot again (so the position committed with the
last snapshot batch must say "snapshot complete"); an operator's ``snapshot_tables`` re-reads
the chosen tables as ``Op.READ`` changes.

How to use it for a kind (``tests/connectors/<kind>/test_suite.py``)::

    pytestmark = pytest.mark.integration

    class TestPostgresCdcSuite(ConnectorSuite):
        @pytest.fixture
        async def suite_db(self, pg_database: str) -> AsyncIterator[SuiteDatabase]:
            db = MyItemsDatabase(pg_database)   # implements SuiteDatabase in the kind's dialect
            yield db
            await db.close()

        def make_config(self, db: SuiteDatabase, name: str, feeds: list[TableFeed]) -> ConnectorConfigBase:
            return PostgresCdcConfig(name=name, kind="postgres_cdc", feeds=feeds, dsn=db.dsn, ...)

``SuiteDatabase.create_items_table(table)`` creates ``table`` with at least ``id integer primary
key``, ``name text`` and ``commune text``, plus whatever the kind needs (an ``updated_at``
column and trigger for polling...); the suite only writes those three columns and reads them
back from ``Change.after``. Override ``supports_deletes = False`` for a kind that cannot see
deletes, and ``crash(source)`` if abandoning a source needs more than closing its connections
without committing (the default calls ``stop`` and never ``commit``, which is what a crash
leaves behind from the source's point of view). Tests run against the real database of the kind.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, ClassVar, Protocol

import pytest

from connectors import registry
from connectors.config import ConnectorConfigBase, TableFeed
from connectors.context import SourceContext
from connectors.source import Batch, Change, Source
from schemas.events import Op, event_id

SUITE_TABLE = "public.suite_items"
SUITE_EVENT_TYPE = "vn.gov.land.parcel.v1"
READ_TIMEOUT_S = 15.0


class SuiteDatabase(Protocol):
    """The source database of one test, written in the kind's own dialect."""

    async def create_items_table(self, table: str) -> None: ...

    async def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Insert rows ``{"id", "name", "commune"}`` in one transaction, in list order."""

    async def update(self, table: str, item_id: int, values: dict[str, Any]) -> None: ...

    async def delete(self, table: str, item_id: int) -> None: ...


def items(ids: range, name: str = "item") -> list[dict[str, Any]]:
    return [{"id": i, "name": f"{name}-{i}", "commune": f"{i % 100000:05d}"} for i in ids]


def change_id(connector: str, change: Change) -> str:
    """The event id the publisher derives for a change (same inputs, same id)."""
    key = ":".join(str(value) for value in change.key.values())
    return change.event_id or event_id(connector, change.table, change.position, key, change.op.value)


class Reader:
    """One running source and the last position the test committed to it."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.committed: str | None = None

    async def take(self, count: int, *, commit: bool = True) -> list[Change]:
        """Read until ``count`` changes arrived (failing after a timeout), committing each batch."""
        got: list[Change] = []
        deadline = time.monotonic() + READ_TIMEOUT_S
        while len(got) < count:
            assert time.monotonic() < deadline, f"read {len(got)} of {count} changes before the timeout"
            batch = await self.source.read()
            got.extend(batch.changes)
            if commit:
                await self._commit(batch)
        assert len(got) == count, f"expected {count} changes, read {len(got)}: {got[count:]}"
        return got

    async def quiet(self, reads: int = 2) -> list[Change]:
        """Whatever a few more reads return (should be nothing once everything was taken)."""
        got: list[Change] = []
        for _ in range(reads):
            batch = await self.source.read()
            got.extend(batch.changes)
            await self._commit(batch)
        return got

    async def _commit(self, batch: Batch) -> None:
        if batch.position is not None:
            await self.source.commit(batch.position)
            self.committed = batch.position


class ConnectorSuite:
    """Subclass per kind; provide the ``suite_db`` fixture and ``make_config``."""

    supports_deletes: ClassVar[bool] = True
    table: ClassVar[str] = SUITE_TABLE

    @pytest.fixture
    async def suite_db(self) -> SuiteDatabase:
        raise NotImplementedError("a kind's suite provides the suite_db fixture")

    def make_config(self, db: SuiteDatabase, name: str, feeds: list[TableFeed]) -> ConnectorConfigBase:
        raise NotImplementedError("a kind's suite builds its config")

    async def crash(self, source: Source) -> None:
        await source.stop()

    # -- helpers -------------------------------------------------------------------------------

    def config(self, db: SuiteDatabase, unique: str) -> ConnectorConfigBase:
        feed = TableFeed(table=self.table, event_type=SUITE_EVENT_TYPE, key=["id"])
        return self.make_config(db, f"suite-{unique}", [feed])

    async def open(
        self, config: ConnectorConfigBase, position: str | None, snapshot_tables: tuple[str, ...] = ()
    ) -> Reader:
        context = SourceContext(
            connector=config.name,
            position=position,
            log=logging.getLogger(f"tests.connectors.{config.name}"),
            snapshot_tables=snapshot_tables,
        )
        source = registry.build_source(config, context)
        await asyncio.wait_for(source.start(), READ_TIMEOUT_S)
        reader = Reader(source)
        reader.committed = position
        return reader

    async def prepared(self, db: SuiteDatabase, rows: int) -> None:
        await db.create_items_table(self.table)
        if rows:
            await db.insert(self.table, items(range(1, rows + 1)))

    # -- the suite -----------------------------------------------------------------------------

    async def test_snapshot_then_stream(self, suite_db: SuiteDatabase, unique: str) -> None:
        await self.prepared(suite_db, rows=3)
        reader = await self.open(self.config(suite_db, unique), position=None)
        try:
            snapshot = await reader.take(3)
            assert {c.op for c in snapshot} == {Op.READ}
            assert all(c.snapshot for c in snapshot)
            assert sorted(c.key["id"] for c in snapshot) == [1, 2, 3]
            assert all(c.table == self.table for c in snapshot)
            await suite_db.insert(self.table, items(range(4, 6)))
            await suite_db.update(self.table, 2, {"name": "renamed"})
            stream = await reader.take(3)
            assert [(c.op, c.key["id"]) for c in stream] == [(Op.CREATE, 4), (Op.CREATE, 5), (Op.UPDATE, 2)]
            assert not any(c.snapshot for c in stream)
            assert stream[2].after is not None and stream[2].after["name"] == "renamed"
            first_after = stream[0].after or {}
            assert {k: first_after.get(k) for k in ("id", "name", "commune")} == items(range(4, 5))[0]
        finally:
            await reader.source.stop()

    async def test_restart_resumes_after_committed_position(
        self, suite_db: SuiteDatabase, unique: str
    ) -> None:
        await self.prepared(suite_db, rows=2)
        config = self.config(suite_db, unique)
        first = await self.open(config, position=None)
        await first.take(2)
        await suite_db.insert(self.table, items(range(3, 5)))
        await first.take(2)
        await first.source.stop()
        await suite_db.insert(self.table, items(range(5, 7)))
        second = await self.open(config, position=first.committed)
        try:
            resumed = await second.take(2)
            assert [(c.op, c.key["id"]) for c in resumed] == [(Op.CREATE, 5), (Op.CREATE, 6)]
            assert await second.quiet() == []
        finally:
            await second.source.stop()

    async def test_uncommitted_changes_are_read_again_with_same_ids(
        self, suite_db: SuiteDatabase, unique: str
    ) -> None:
        await self.prepared(suite_db, rows=1)
        config = self.config(suite_db, unique)
        first = await self.open(config, position=None)
        await first.take(1)
        await suite_db.insert(self.table, items(range(2, 7)))
        lost = await first.take(5, commit=False)
        await self.crash(first.source)
        second = await self.open(config, position=first.committed)
        try:
            again = await second.take(5)
            assert [change_id(config.name, c) for c in again] == [change_id(config.name, c) for c in lost]
            assert [c.key["id"] for c in again] == [2, 3, 4, 5, 6]
        finally:
            await second.source.stop()

    async def test_deletes_carry_the_record_key(self, suite_db: SuiteDatabase, unique: str) -> None:
        if not self.supports_deletes:
            pytest.skip("this kind cannot see deletes")
        await self.prepared(suite_db, rows=2)
        reader = await self.open(self.config(suite_db, unique), position=None)
        try:
            await reader.take(2)
            await suite_db.delete(self.table, 1)
            (deleted,) = await reader.take(1)
            assert (deleted.op, deleted.key) == (Op.DELETE, {"id": 1})
            assert deleted.after is None
        finally:
            await reader.source.stop()

    async def test_positions_are_distinct_and_ids_stable(self, suite_db: SuiteDatabase, unique: str) -> None:
        await self.prepared(suite_db, rows=3)
        reader = await self.open(self.config(suite_db, unique), position=None)
        try:
            changes = await reader.take(3)
            await suite_db.insert(self.table, items(range(4, 7)))
            changes += await reader.take(3)
            ids = [change_id("suite", c) for c in changes]
            assert len(set(ids)) == len(ids), "two changes share an event id"
        finally:
            await reader.source.stop()

    async def test_resnapshot_of_chosen_table(self, suite_db: SuiteDatabase, unique: str) -> None:
        await self.prepared(suite_db, rows=2)
        config = self.config(suite_db, unique)
        first = await self.open(config, position=None)
        await first.take(2)
        await first.source.stop()
        second = await self.open(config, position=first.committed, snapshot_tables=(self.table,))
        try:
            again = await second.take(2)
            assert {(c.op, c.key["id"]) for c in again} == {(Op.READ, 1), (Op.READ, 2)}
        finally:
            await second.source.stop()


__all__ = ["SUITE_EVENT_TYPE", "SUITE_TABLE", "ConnectorSuite", "Reader", "SuiteDatabase", "items"]
