"""A state partition's prefix below the hand-over, and each key's last entry within it."""

from __future__ import annotations

from bus import headers
from bus.records import Record
from hub.delivery.backfill.prefix import LastEntries, StateEntry


def entry(offset: int, key: str, source: int, *, tombstone: bool = False) -> StateEntry:
    return StateEntry(offset, key.encode(), source, tombstone)


def learned(handover: int, *entries: StateEntry) -> LastEntries:
    last = LastEntries(handover)
    for item in entries:
        if not last.add(item):
            break
    last.ended_at(entries[-1].offset + 1 if entries else 0)
    return last


def test_each_key_keeps_only_its_last_entry_below_the_handover() -> None:
    a1, b1, a2 = entry(0, "a", 10), entry(1, "b", 11), entry(2, "a", 12)
    last = learned(100, a1, b1, a2)
    assert [last.is_last(e) for e in (a1, b1, a2)] == [False, True, True]
    assert last.live == 2


def test_the_prefix_ends_at_the_first_entry_at_or_past_the_handover() -> None:
    a1, b1, a2, c1 = entry(0, "a", 10), entry(1, "b", 11), entry(2, "a", 12), entry(3, "c", 13)
    last = learned(12, a1, b1, a2, c1)
    assert last.end == 2
    assert [last.is_last(e) for e in (a1, b1, a2, c1)] == [True, True, False, False]
    assert last.live == 2  # live delivers a's change at 12 and c


def test_a_key_deleted_before_the_handover_is_not_delivered() -> None:
    a1, a_gone, b1 = entry(0, "a", 10), entry(1, "a", 11, tombstone=True), entry(2, "b", 12)
    last = learned(100, a1, a_gone, b1)
    assert [last.is_last(e) for e in (a1, a_gone, b1)] == [False, False, True]
    assert last.live == 1


def test_a_key_recreated_after_its_delete_is_delivered_once() -> None:
    a1, a_gone, a2 = entry(0, "a", 10), entry(1, "a", 11, tombstone=True), entry(2, "a", 12)
    last = learned(100, a1, a_gone, a2)
    assert [last.is_last(e) for e in (a1, a_gone, a2)] == [False, False, True]


def test_copies_repeated_by_a_keeper_restart_do_not_end_the_prefix_early() -> None:
    """The keeper commits after the acknowledgement: a crash copies source offsets 10-11 twice."""
    first = [entry(0, "a", 10), entry(1, "b", 11)]
    again = [entry(2, "a", 10), entry(3, "b", 11), entry(4, "c", 12)]
    last = learned(12, *first, *again)
    assert last.end == 4
    assert [last.is_last(e) for e in (*first, *again)] == [False, False, True, True, False]


def test_compaction_gaps_and_an_empty_prefix() -> None:
    last = learned(0, entry(7, "a", 0))
    assert last.end == 7 and last.live == 0
    empty = LastEntries(5)
    empty.ended_at(0)
    assert empty.live == 0 and not empty.is_last(entry(0, "a", 1))


def test_entries_are_read_from_the_keepers_headers() -> None:
    marks = ((headers.SOURCE_OFFSET, b"41"), ("ce_id", b"x"))
    record = Record("gov.a.b.v1.state", 2, 9, b"k", None, marks)
    assert StateEntry.of(record) == StateEntry(9, b"k", 41, tombstone=True)
