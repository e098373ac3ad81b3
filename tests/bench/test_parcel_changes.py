"""The side-by-side trials' workload and the check of what a topic holds: every change, in commit
order per key, a replayed copy counted but not a lost or reordered one."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.bench.parcel_changes import (
    CATCH_UP_S,
    LAG,
    Change,
    LostOrDisordered,
    Seen,
    area,
    check,
    next_due,
    workload,
)


def seen(changes: list[Change]) -> list[Seen]:
    return [Seen(str(n).encode(), n, area(n, kind), 0.0, 0.0) for kind, n in changes]


def test_each_parcel_is_inserted_then_updated_lag_changes_later() -> None:
    changes = workload(1000)
    assert len(changes) == 1000
    assert Counter(kind for kind, _ in changes) == {"insert": 500, "update": 500}
    first = changes.index(("insert", 1))
    assert changes.index(("update", 1)) > first
    assert changes[LAG + 1] == ("update", 1)


def test_inserts_only_is_one_new_parcel_per_change() -> None:
    assert workload(3, inserts_only=True) == [("insert", 1), ("insert", 2), ("insert", 3)]


def test_everything_in_order_passes_and_counts_copies() -> None:
    changes = workload(400)
    assert check(seen(changes), changes, "x").duplicates == 0
    assert check(seen([*changes, changes[-1]]), changes, "x").duplicates == 1


def test_a_lost_change_fails() -> None:
    changes = workload(400)
    with pytest.raises(LostOrDisordered, match="parcel"):
        check(seen(changes[:-1]), changes, "x")


def test_an_update_read_before_its_insert_fails() -> None:
    changes = workload(400)
    swapped = [("update", 1), *(c for c in changes if c != ("update", 1))]
    with pytest.raises(LostOrDisordered, match="parcel 1 "):
        check(seen(swapped), changes, "x")


def test_an_old_copy_after_a_newer_change_fails() -> None:
    changes = workload(400)
    with pytest.raises(LostOrDisordered, match="out of order"):
        check(seen([*changes, ("insert", 1)]), changes, "x")


def test_a_paced_writer_that_fell_behind_catches_up_without_a_burst() -> None:
    due, now = 0.0, 1.0  # one second late, as after a slow first commit
    at_once = 0  # transactions due already when the one before them ended: sent without a pause
    for _ in range(20):
        due = next_due(due, 1000.0, now)
        at_once += due <= now
        now = max(now, due) + 0.0001  # each commit takes 0.1 ms: as fast as the writer can
    assert at_once <= CATCH_UP_S * 1000 + 1  # a few, never the lost second's 1,000


def test_a_paced_writer_on_time_keeps_its_schedule() -> None:
    assert next_due(10.0, 1000.0, 10.0005) == pytest.approx(10.001)
