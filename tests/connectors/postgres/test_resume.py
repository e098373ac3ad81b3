"""Committed positions: an LSN, plus the snapshot's progress while one runs."""

from __future__ import annotations

import pytest

from connectors.postgres.lsn import format_lsn, parse_lsn
from connectors.postgres.resume import InvalidPosition, ResumePoint
from connectors.postgres.snapshot import SnapshotProgress


def test_lsn_text_form_round_trips() -> None:
    assert format_lsn(0x16B3748) == "0/16B3748"
    assert parse_lsn("1/A0") == (1 << 32) | 0xA0
    assert parse_lsn(format_lsn(2**40 + 5)) == 2**40 + 5


def test_a_streaming_position_is_the_plain_lsn() -> None:
    point = ResumePoint(0x1A2B3C4)
    assert point.encode() == "0/1A2B3C4"
    assert ResumePoint.decode("0/1A2B3C4") == point


def test_a_snapshot_position_carries_its_progress() -> None:
    progress = SnapshotProgress("run1", ("public.a", "public.b"), chunk=3, last_key=("12", None), rows=9)
    encoded = ResumePoint(77, progress).encode()
    assert encoded.startswith(format_lsn(77) + " {")
    assert ResumePoint.decode(encoded) == ResumePoint(77, progress)


def test_a_finished_snapshot_is_not_carried() -> None:
    assert ResumePoint(5, SnapshotProgress("run1", ())).encode() == "0/5"


@pytest.mark.parametrize("text", ["", "16B3748", "0/XYZ", "0/1 {not json", '0/1 {"run": "x"}'])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(InvalidPosition):
        ResumePoint.decode(text)


def test_progress_moves_chunk_by_chunk_then_table_by_table() -> None:
    progress = SnapshotProgress.start(["public.a", "public.b"])
    progress = progress.after_chunk(100, ("100",))
    assert (progress.tables[0], progress.chunk, progress.last_key, progress.rows) == (
        "public.a",
        1,
        ("100",),
        100,
    )
    progress = progress.after_chunk(40, None)
    assert (progress.tables, progress.chunk, progress.last_key, progress.rows) == (
        ("public.b",),
        0,
        None,
        140,
    )
    assert progress.after_chunk(0, None).done
