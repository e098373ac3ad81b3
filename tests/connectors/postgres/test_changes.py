"""From captured pgoutput messages to Change records: keys, before/after, TOAST, positions."""

from __future__ import annotations

from decimal import Decimal

from connectors.postgres.changes import ChangeStream, SnapshotWatermark, TxEnd
from connectors.postgres.lsn import format_lsn
from connectors.postgres.pgoutput import Begin, Commit, LogicalMessage
from connectors.postgres.rows import RowDecoder
from connectors.postgres.tables import TableSpec
from connectors.source import Change
from schemas.events import Op
from tests.connectors.postgres.captured import messages, payloads

PARCEL = TableSpec("public.parcel", ("id",), ("id", "owner", "area", "use", "doc"), "d", ("id",))
FULL = TableSpec("public.parcel_full", ("id",), ("id", "owner", "doc"), "f", ("id",))


def run(*scenarios: str, resume_lsn: int = 0, prefix: str = "hub") -> list[object]:
    stream = ChangeStream(RowDecoder(), {"public.parcel": PARCEL, "public.parcel_full": FULL}, prefix)
    stream.resume_lsn = resume_lsn
    events: list[object] = []
    for scenario in scenarios:
        for payload in payloads(scenario):
            events.extend(stream.feed(payload))
    return events


def changes(*scenarios: str) -> list[Change]:
    return [e for e in run(*scenarios) if isinstance(e, Change)]


def test_insert_is_a_create_with_typed_values_and_a_commit_position() -> None:
    (created,) = changes("insert")
    begin = next(m for m in messages("insert") if isinstance(m, Begin))
    assert (created.op, created.key, created.before) == (Op.CREATE, {"id": 1}, None)
    assert created.after is not None
    assert created.after["area"] == Decimal("120.50") and created.after["owner"] == "Nguyễn Văn A"
    assert created.position == f"{format_lsn(begin.final_lsn)}:0"
    assert created.txid == str(begin.xid) and created.commit_time == begin.commit_time


def test_unchanged_toast_is_flagged_and_never_given_a_value() -> None:
    _, updated = changes("insert", "update_toast_unchanged")
    assert updated.op is Op.UPDATE and updated.before is None  # default identity: no old row
    assert updated.after is not None and "doc" not in updated.after
    assert updated.unchanged_toast == ("doc",)
    assert updated.after["owner"] == "Trần Thị B"


def test_key_change_is_a_delete_of_the_old_key_then_a_create() -> None:
    deleted, created = changes("insert", "update_key_changed")[1:]
    assert (deleted.op, deleted.key, deleted.before, deleted.after) == (Op.DELETE, {"id": 1}, {"id": 1}, None)
    assert (created.op, created.key) == (Op.CREATE, {"id": 2})
    assert deleted.position.endswith(":0") and created.position.endswith(":1")
    assert deleted.position.split(":")[0] == created.position.split(":")[0]


def test_delete_with_default_identity_has_the_key_columns_only() -> None:
    (deleted,) = changes("delete_default_identity")[-1:]
    assert (deleted.op, deleted.key, deleted.before) == (Op.DELETE, {"id": 2}, {"id": 2})


def test_full_identity_gives_before_values_and_fills_unchanged_toast_from_them() -> None:
    created, updated, deleted = changes("full_identity")
    assert updated.before == {"id": 7, "owner": "A", "doc": "x" * 9000}
    assert updated.after == {"id": 7, "owner": None, "doc": "x" * 9000}
    assert updated.unchanged_toast == ()  # real data, taken from the old row
    assert deleted.before == {"id": 7, "owner": None, "doc": "x" * 9000}
    assert created.key == updated.key == deleted.key == {"id": 7}


def test_truncate_is_one_keyless_change_per_captured_table() -> None:
    truncated = [e for e in run("truncate") if isinstance(e, Change)]
    assert [(c.op, c.table, c.key) for c in truncated] == [
        (Op.TRUNCATE, "public.parcel", {}),
        (Op.TRUNCATE, "public.parcel_full", {}),
    ]


def test_tables_without_a_feed_are_ignored() -> None:
    stream = ChangeStream(RowDecoder(), {"public.parcel_full": FULL}, "hub")
    events = [e for p in payloads("insert") for e in stream.feed(p)]
    assert [type(e) for e in events] == [TxEnd]


def test_each_transaction_ends_with_its_end_lsn() -> None:
    ends = [e for e in run("full_identity") if isinstance(e, TxEnd)]
    commits = [m for m in messages("full_identity") if isinstance(m, Commit)]
    assert [e.end_lsn for e in ends] == [c.end_lsn for c in commits]


def test_only_our_prefix_is_a_watermark() -> None:
    stream = ChangeStream(RowDecoder(), {}, "hub")
    body = b'{"window": "w1", "mark": "low"}'
    assert stream.handle(LogicalMessage(True, 1, "other", body)) == []
    assert stream.handle(LogicalMessage(True, 1, "hub", body)) == [SnapshotWatermark("w1", "low")]


def test_transactions_committed_before_the_resume_point_are_not_read_again() -> None:
    commits = [m for m in messages("full_identity") if isinstance(m, Commit)]
    resumed = run("full_identity", resume_lsn=commits[0].end_lsn)
    assert [e.op for e in resumed if isinstance(e, Change)] == [Op.UPDATE, Op.DELETE]
    assert [e.end_lsn for e in resumed if isinstance(e, TxEnd)] == [c.end_lsn for c in commits[1:]]
