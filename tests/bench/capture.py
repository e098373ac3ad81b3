"""Benchmark: how fast ``postgres_cdc`` captures, against PostgreSQL doing the same work itself.

Streaming: N parcel rows are committed (COPY, 1,000 per transaction) while two logical slots
wait at the same point: the source's own, and a second one that PostgreSQL decodes in SQL with
``pg_logical_slot_get_binary_changes`` (pgoutput, the same publication), every decoded message
fetched by the client. Ours is the source reading the same changes over the replication
protocol into ``Change`` values, committing each batch's position as the runtime would.

Snapshot: the same N-row table read by a new source (key-ordered chunks between watermarks)
against one ``SELECT`` of the whole table in key order fetched by the client; and the whole
connector task (snapshot -> contract check -> Kafka acknowledged -> position saved) against the
same ``SELECT``, which is what a post-merger bulk load through a connector costs.
"""

from __future__ import annotations

import asyncio
import logging
import time

import psycopg

from connectors.context import SourceContext
from connectors.positions import MemoryPositions
from connectors.postgres import PostgresCdcConfig, PostgresCdcSource
from connectors.task import ConnectorTask
from tests.bench import parcels
from tests.bench.report import Measurement, throughput
from tests.bench.sizes import Sizes

READ_TIMEOUT_S = 120.0
log = logging.getLogger("tests.bench.capture")


async def run(admin_dsn: str, bootstrap: str, sizes: Sizes, run_id: str) -> list[Measurement]:
    rows = sizes.capture_rows
    with parcels.fresh_database(admin_dsn) as dsn:
        streamed, decoded = await _streaming(dsn, rows, f"{run_id}c1")
        read_sql = await asyncio.to_thread(_select_all, dsn, rows)
        snapshot = await _snapshot(dsn, rows, f"{run_id}c2")
        task = await _task_snapshot(dsn, rows, f"{run_id}c3", bootstrap)
    select = "SELECT * in key order"
    return [
        throughput(
            "capture", f"stream {rows:,} changes", "rows/s", streamed, decoded, "pgoutput decoded in SQL"
        ),
        throughput("capture", f"snapshot {rows:,} rows", "rows/s", snapshot, read_sql, select),
        throughput("capture", f"task: snapshot {rows:,} -> Kafka", "rows/s", task, read_sql, select),
    ]


async def _streaming(dsn: str, rows: int, unique: str) -> tuple[float, float]:
    """(ours, baseline) rows/s over the same N committed changes."""
    config = parcels.cdc_config(dsn, unique, snapshot_mode="never")
    source = _source(config)
    await source.start()  # creates the slot and the publication, at the WAL's end
    await source.stop()
    baseline_slot = f"{config.slot}_sql"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", (baseline_slot,))
    await asyncio.to_thread(parcels.write, dsn, range(1, rows + 1))
    decoded = await asyncio.to_thread(_decode_in_sql, dsn, baseline_slot, config.publication, rows)
    return await _read(config, rows, snapshot=False), decoded


def _decode_in_sql(dsn: str, slot: str, publication: str, rows: int) -> float:
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        messages = conn.execute(
            "SELECT lsn, xid, data FROM pg_logical_slot_get_binary_changes("
            "%s, NULL, NULL, 'proto_version', '1', 'publication_names', %s)",
            (slot, publication),
        ).fetchall()
    elapsed = time.perf_counter() - started
    inserts = sum(1 for _, _, data in messages if data[:1] == b"I")
    assert inserts == rows, f"the SQL decoding saw {inserts} inserts, not {rows}"
    return rows / elapsed


def _select_all(dsn: str, rows: int) -> float:
    started = time.perf_counter()
    with psycopg.connect(dsn) as conn:
        found = conn.execute(
            f"SELECT * FROM {parcels.TABLE} ORDER BY commune_code, map_sheet_no, parcel_no"  # noqa: S608
        ).fetchall()
    assert len(found) == rows
    return rows / (time.perf_counter() - started)


async def _snapshot(dsn: str, rows: int, unique: str) -> float:
    return await _read(parcels.cdc_config(dsn, unique), rows, snapshot=True)


async def _read(config: PostgresCdcConfig, rows: int, *, snapshot: bool) -> float:
    """Rows/s of one started source reading ``rows`` changes (and committing, as the runtime does)."""
    source = _source(config)
    await source.start()
    try:
        started, got = time.perf_counter(), 0
        async with asyncio.timeout(READ_TIMEOUT_S):
            while got < rows or (snapshot and source.snapshot_progress is not None):
                batch = await source.read()
                got += len(batch.changes)
                if batch.position is not None:
                    await source.commit(batch.position)
        assert got == rows, f"read {got} changes, expected {rows}"
        return rows / (time.perf_counter() - started)
    finally:
        await source.stop()


async def _task_snapshot(dsn: str, rows: int, unique: str, bootstrap: str) -> float:
    """Rows/s of the connector task, from its start until Kafka acknowledged every snapshot row."""
    task = ConnectorTask(
        parcels.cdc_config(dsn, unique), bootstrap=bootstrap, positions=MemoryPositions(),
        contracts=parcels.parcel_contract,
    )  # fmt: skip
    started = time.perf_counter()
    task.start()
    try:
        async with asyncio.timeout(READ_TIMEOUT_S):
            while task.status.events_published + task.status.events_quarantined < rows:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        assert task.status.events_quarantined == 0, "a valid parcel was quarantined"
        return rows / (time.perf_counter() - started)
    finally:
        await task.stop()


def _source(config: PostgresCdcConfig) -> PostgresCdcSource:
    return PostgresCdcSource(config, SourceContext(connector=config.name, position=None, log=log))


__all__ = ["run"]
