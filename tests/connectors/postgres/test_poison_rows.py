"""No row can stop a postgres_cdc connector: rows Kafka cannot take, or JSON cannot carry, are
quarantined as bounded records while the rows after them keep flowing, in commit order, and the
task never restarts (issue 11: a 5 MB row once made its quarantine record too large to send)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from connectors.positions import MemoryPositions
from connectors.postgres.lsn import parse_lsn
from connectors.status import TaskState
from connectors.task import ConnectorTask
from schemas import naming
from schemas.errors import InvalidInput
from schemas.events import ChangePayload
from tests.connectors.postgres.conftest import Db, config
from tests.connectors.topics import eventually, read_topic

pytestmark = pytest.mark.integration

MB = 1_000_000


class OwnerTooLong(InvalidInput):
    """What a contract's ``maxLength`` says of a huge column: the row breaks its contract."""

    code = "test_owner_too_long"


def contract(event_type: str, payload: ChangePayload) -> str | None:
    """Accepts every row but those the test marks as breaking it (a contract with a maxLength)."""
    owner = (payload.after or {}).get("owner")
    if isinstance(owner, str) and owner.startswith("violates"):
        raise OwnerTooLong(f"owner of {len(owner)} characters", details={"length": len(owner)})
    return f"urn:test:{event_type}"


def commit_order(position: str) -> tuple[int, int]:
    """A streamed change's position, ``<commit LSN>:<index in the transaction>``, comparable."""
    lsn, _, index = position.partition(":")
    return parse_lsn(lsn), int(index or 0)


@pytest.fixture
def event_type(unique: str) -> str:
    return f"vn.gov.t{unique}.parcel.v1"


@pytest.fixture
async def task(
    db: Db, pg_database: str, unique: str, kafka_bootstrap: str, event_type: str
) -> AsyncIterator[ConnectorTask]:
    db.execute("CREATE TABLE parcel (id int PRIMARY KEY, owner text, span int4range)")
    cfg = config(pg_database, unique, ("public.parcel",), restart_initial_backoff_ms=50)
    cfg = cfg.model_copy(update={"feeds": [cfg.feeds[0].model_copy(update={"event_type": event_type})]})
    running = ConnectorTask(cfg, bootstrap=kafka_bootstrap, positions=MemoryPositions(), contracts=contract)
    running.start()
    await eventually(lambda: running.status.state is TaskState.RUNNING, what="the task running")
    yield running
    await running.stop()


async def test_oversized_and_unencodable_rows_are_quarantined_and_later_rows_flow(
    db: Db, task: ConnectorTask, kafka_bootstrap: str, event_type: str
) -> None:
    topic = naming.parse_event_type(event_type).topic
    db.execute("INSERT INTO parcel (id, owner) VALUES (1, 'before')")
    db.execute("INSERT INTO parcel (id, owner) VALUES (2, %s)", ("x" * (5 * MB),))
    db.execute("INSERT INTO parcel (id, owner) VALUES (3, 'between')")
    db.execute("INSERT INTO parcel (id, owner) VALUES (4, %s)", ("y" * (50 * MB),))
    db.execute("INSERT INTO parcel (id, owner, span) VALUES (5, 'range', '[1,5)')")
    db.execute("INSERT INTO parcel (id, owner) VALUES (6, %s)", ("violates" + "z" * (5 * MB),))
    db.execute("INSERT INTO parcel (id, owner) VALUES (7, 'after')")
    db.execute("UPDATE parcel SET owner = 'after, changed' WHERE id = 7")
    published = [r.event() for r in await read_topic(kafka_bootstrap, topic, 4, timeout_s=60)]
    held = await read_topic(kafka_bootstrap, naming.quarantine_topic(topic), 4, timeout_s=60)

    in_commit_order = sorted(published, key=lambda event: commit_order(event.data.source.position))
    assert [(e.subject, (e.data.after or {})["owner"]) for e in in_commit_order] == [
        ("1", "before"), ("3", "between"), ("7", "after"), ("7", "after, changed"),
    ]  # fmt: skip
    assert [e.subject for e in published if e.subject == "7"] == ["7", "7"]  # one partition, in order
    codes = {r.key: (r.headers["quarantine-code"], json.loads(r.value).get("held")) for r in held}
    assert {key: code for key, (code, _) in codes.items()} == {
        b"2": b"record_too_large", b"4": b"record_too_large", b"5": b"unserialisable_row",
        b"6": b"test_owner_too_long",
    }  # fmt: skip
    assert all(len(r.value) < 100_000 for r in held)
    for key, size in ((b"2", 5 * MB), (b"4", 50 * MB), (b"6", 5 * MB)):
        bounded = codes[key][1]
        assert bounded["row_kept"] is False and bounded["key"] == {"id": int(key)}
        assert size < bounded["size_bytes"] < size + 1_000 and len(bounded["sha256"]) == 64
    assert codes[b"5"][1] is None  # a small unencodable row fits: kept whole, republishable
    assert task.status.restarts == 0 and task.status.errors == 0
    assert task.status.events_published == 4 and task.status.events_quarantined == 4
