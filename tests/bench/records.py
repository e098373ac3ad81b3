"""Benchmark: what the record memory (ADR 009) costs the connector's publish-and-commit loop.

Both sides publish the same parcel changes in batches (``publish_batch``) and then save the
batch's position in the PostgreSQL control-plane store, fenced by the lease, as the task does.
Ours also recalls the batch's records (one ``SELECT ... IN``) and upserts their states in the
position's transaction; the baseline saves the position alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from bus import producer as kafka
from connectors.publisher import Publisher
from connectors.source import Change
from hub.store import connectors as stored
from hub.store import migrate
from hub.store.base import Store
from hub.store.connector_runtime import SqlControlPlane
from tests.bench import parcels, publish
from tests.bench.report import Measurement, throughput
from tests.bench.sizes import Sizes
from tests.hub.store.pg_url import sqlalchemy_url


async def run(admin_dsn: str, bootstrap: str, sizes: Sizes, run_id: str) -> list[Measurement]:
    with parcels.fresh_database(admin_dsn) as dsn:
        url = sqlalchemy_url(dsn)
        migrate.upgrade(url)
        store = Store(url)
        try:
            return [await _measure(store, dsn, bootstrap, sizes, run_id)]
        finally:
            store.engine.dispose()


async def _measure(store: Store, dsn: str, bootstrap: str, sizes: Sizes, run_id: str) -> Measurement:
    config = parcels.cdc_config(dsn, f"{run_id}r")
    with store.session() as session:
        stored.insert(session, config)
    plane = SqlControlPlane(store, f"bench-{run_id}")
    await plane.claim(1)
    producer = kafka.KafkaProducer(bootstrap, f"bench-{run_id}-records")
    await producer.start()
    try:
        plain = Publisher(config, producer, parcels.parcel_contract)
        remembering = Publisher(config, producer, parcels.parcel_contract, records=plane)
        await plain.start()
        batches = publish._batches(publish.changes(sizes.publish_changes), sizes.publish_batch)

        async def baseline(batch: Sequence[Change]) -> None:
            await plain.publish(batch)
            await plane.save(config.name, batch[-1].position)

        async def ours(batch: Sequence[Change]) -> None:
            await remembering.publish(batch)
            assert remembering.book is not None
            await plane.save_with_position(config.name, batch[-1].position, remembering.book.take())

        await baseline(batches[0])  # warm-up: connections and metadata, not timed
        without = await publish._timed(baseline, batches)
        with_memory = await publish._timed(ours, batches)
    finally:
        await producer.stop()
    name = f"publish+commit {sizes.publish_changes:,} changes with record memory"
    return throughput("records", name, "events/s", with_memory, without, "position save only")
