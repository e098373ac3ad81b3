"""The watermark window's rule, without a server: a change seen between the low and the high
watermark supersedes the chunk's copy of that row."""

from __future__ import annotations

from connectors.postgres.snapshot import Chunk, SnapshotProgress, Window
from connectors.postgres.tables import TableSpec
from connectors.source import Change
from schemas.events import Op

SPEC = TableSpec("public.parcel", ("id",), ("id", "owner"), "d", ("id",))


def window(ids: list[int], complete: bool = False) -> Window:
    rows = [{"id": i, "owner": f"o{i}"} for i in ids]
    chunk = Chunk(SPEC.name, 4, rows, [(str(i),) for i in ids], complete_table=complete)
    return Window("w", SPEC, chunk, run="run1")


def change(op: Op, key: int | None, table: str = SPEC.name) -> Change:
    return Change(table, op, {} if key is None else {"id": key}, None, None, "0/1:0")


def test_changes_before_the_low_watermark_do_not_touch_the_chunk() -> None:
    w = window([1, 2, 3])
    w.observe(change(Op.UPDATE, 2))
    assert [c.key["id"] for c in w.rows()] == [1, 2, 3]


def test_changes_inside_the_window_drop_those_rows() -> None:
    w = window([1, 2, 3])
    w.opened = True
    w.observe(change(Op.UPDATE, 2))
    w.observe(change(Op.DELETE, 3))
    w.observe(change(Op.UPDATE, 1, table="public.other"))
    reads = w.rows()
    assert [(c.op, c.key, c.after, c.snapshot) for c in reads] == [
        (Op.READ, {"id": 1}, {"id": 1, "owner": "o1"}, True)
    ]
    assert reads[0].position == 'snapshot:run1:public.parcel:00000004:["1"]'


def test_a_truncate_inside_the_window_drops_the_whole_chunk() -> None:
    w = window([1, 2])
    w.opened = True
    w.observe(change(Op.TRUNCATE, None))
    assert w.rows() == []


def test_progress_after_a_full_chunk_and_after_the_last_one() -> None:
    progress = SnapshotProgress("run1", ("public.parcel", "public.deed"), chunk=4, rows=8)
    after_full = window([9, 10]).next_progress(progress)
    assert (after_full.chunk, after_full.last_key, after_full.rows) == (5, ("10",), 10)
    after_last = window([9], complete=True).next_progress(progress)
    assert (after_last.tables, after_last.chunk, after_last.last_key) == (("public.deed",), 0, None)
