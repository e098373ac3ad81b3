"""Commit points: only up to the oldest unresolved record of each partition."""

from __future__ import annotations

from hub.delivery.pipeline.tracker import OffsetTracker

TP = ("gov.land.parcel.v1", 0)


def test_nothing_to_commit_until_the_oldest_is_resolved() -> None:
    tracker = OffsetTracker()
    for offset in (10, 11, 12):
        tracker.track(TP, offset)
    tracker.resolve(TP, 12)
    tracker.resolve(TP, 11)
    assert tracker.committable() == {}
    tracker.resolve(TP, 10)
    assert tracker.committable() == {TP: 13}
    assert tracker.pending() == 0


def test_commit_point_stops_at_a_gap_and_is_reported_once() -> None:
    tracker = OffsetTracker()
    for offset in range(5):
        tracker.track(TP, offset)
    for offset in (0, 1, 3):
        tracker.resolve(TP, offset)
    assert tracker.committable() == {TP: 2}
    tracker.committed({TP: 2})
    assert tracker.committable() == {}
    tracker.resolve(TP, 2)
    assert tracker.committable() == {TP: 4}


def test_partitions_are_independent_and_forgotten_on_revocation() -> None:
    tracker, other = OffsetTracker(), ("gov.land.parcel.v1", 1)
    tracker.track(TP, 0)
    tracker.track(other, 5)
    tracker.resolve(other, 5)
    assert tracker.committable() == {other: 6}
    tracker.forget([TP])
    tracker.resolve(TP, 0)  # late resolution of a revoked partition is ignored
    assert TP not in tracker.committable()
