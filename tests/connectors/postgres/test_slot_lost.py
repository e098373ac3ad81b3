"""A replication slot that disappeared: detected, a clear non-retriable failure, recovered only
by a re-snapshot on request (or ``when_needed``), never skipped silently."""

from __future__ import annotations

import pytest

from connectors.postgres import SlotLost
from connectors.postgres.errors import ReplicationStreamBroken
from schemas.events import Op
from tests.connectors.postgres.conftest import Db, Opener
from tests.connectors.suite import Reader

pytestmark = pytest.mark.integration


def drop_slot_by_hand(db: Db, slot: str) -> None:
    """What an operator (or a failover) does: end the walsender, then drop the slot."""
    db.execute(
        "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots "
        "WHERE slot_name = %s AND active_pid IS NOT NULL",
        (slot,),
    )
    for _ in range(50):
        row = db.execute("SELECT active FROM pg_replication_slots WHERE slot_name = %s", (slot,)).fetchone()
        if row is not None and not row[0]:
            break
        db.execute("SELECT pg_sleep(0.05)")
    db.execute("SELECT pg_drop_replication_slot(%s)", (slot,))


async def lose_the_slot(db: Db, open_source: Opener, unique: str) -> Reader:
    db.execute("CREATE TABLE parcel (id int PRIMARY KEY, owner text)")
    db.execute("INSERT INTO parcel VALUES (1, 'a')")
    reader = await open_source("public.parcel")
    await reader.take(1)
    drop_slot_by_hand(db, f"s_{unique}")
    db.execute("INSERT INTO parcel VALUES (2, 'written while no slot existed')")
    return reader


async def test_a_running_source_fails_when_its_slot_is_dropped(
    db: Db, open_source: Opener, unique: str
) -> None:
    reader = await lose_the_slot(db, open_source, unique)
    with pytest.raises(SlotLost) as raised:  # the stream broke; the slot's absence says why
        for _ in range(20):
            await reader.source.read()
    assert raised.value.code == "slot_lost" and not raised.value.retriable
    assert isinstance(raised.value.__cause__, ReplicationStreamBroken)


async def test_a_restart_after_the_slot_vanished_fails_with_the_reason(
    db: Db, open_source: Opener, unique: str
) -> None:
    reader = await lose_the_slot(db, open_source, unique)
    await reader.source.stop()
    with pytest.raises(SlotLost) as raised:
        await open_source("public.parcel", position=reader.committed)
    assert raised.value.code == "slot_lost" and not raised.value.retriable
    assert raised.value.details == {"slot": f"s_{unique}", "reason": "missing"}
    assert "re-snapshot" in raised.value.message
    slots = db.execute("SELECT count(*) FROM pg_replication_slots WHERE slot_name = %s", (f"s_{unique}",))
    assert slots.fetchone() == (0,), "no slot may be created behind the operator's back"


@pytest.mark.parametrize("how", ["operator asks", "when_needed"])
async def test_recovery_reads_every_row_again_with_a_new_slot(
    db: Db, open_source: Opener, unique: str, how: str
) -> None:
    reader = await lose_the_slot(db, open_source, unique)
    await reader.source.stop()
    if how == "operator asks":
        recovered = await open_source(
            "public.parcel", position=reader.committed, snapshot_tables=("public.parcel",)
        )
    else:
        recovered = await open_source("public.parcel", position=reader.committed, snapshot_mode="when_needed")
    again = await recovered.take(2)
    assert [(c.op, c.key["id"]) for c in again] == [(Op.READ, 1), (Op.READ, 2)]
    db.execute("INSERT INTO parcel VALUES (3, 'after recovery')")
    assert [(c.op, c.key["id"]) for c in await recovered.take(1)] == [(Op.CREATE, 3)]
