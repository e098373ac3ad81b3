"""The chaos verdict counts loss, duplicates by webhook-id and order inversions per record."""

from __future__ import annotations

from typing import Any

from devtools.chaos.verdict import DELETED, Push, judge, label_rank


def event(record: int, label: str) -> dict[str, Any]:
    if label == DELETED:
        return {"data": {"op": "d", "before": {"parcel_no": record}, "after": None}}
    return {"data": {"op": "u", "before": None, "after": {"parcel_no": record, "address": f"phố {label}"}}}


def verdict(committed: list[tuple[int, str]], pushes: list[Push], same_id: int = 0) -> Any:
    return judge("p", "single", committed, pushes, same_id, record_field="parcel_no", label_field="address")


COMMITTED = [(1, "v0"), (1, "v1"), (2, "v0"), (1, DELETED)]


def test_everything_once_in_order_passes() -> None:
    pushes = [Push(f"w{i}", [event(*change)]) for i, change in enumerate(COMMITTED)]
    result = verdict(COMMITTED, pushes)
    assert (result.expected, result.received, result.lost, result.inversions) == (4, 4, 0, 0)
    assert result.passed


def test_a_change_never_received_is_lost() -> None:
    pushes = [Push("w0", [event(1, "v0"), event(2, "v0")]), Push("w1", [event(1, DELETED)])]
    result = verdict(COMMITTED, pushes)
    assert result.lost == 1
    assert not result.passed


def test_a_change_under_two_webhook_ids_is_a_duplicate_that_fails() -> None:
    pushes = [Push("a", [event(1, "v0"), event(1, "v1")]), Push("b", [event(1, "v1"), event(2, "v0")])]
    pushes.append(Push("c", [event(1, DELETED)]))
    result = verdict(COMMITTED, pushes)
    assert result.duplicates_other_id == 1
    assert result.lost == 0
    assert result.inversions == 0  # a repeat of an older change is a duplicate, not an inversion
    assert not result.passed


def test_duplicates_under_the_same_webhook_id_are_counted_and_allowed() -> None:
    pushes = [Push(f"w{i}", [event(*change)]) for i, change in enumerate(COMMITTED)]
    result = verdict(COMMITTED, pushes, same_id=3)
    assert result.duplicates_same_id == 3
    assert result.passed


def test_a_later_change_of_a_record_arriving_first_is_an_inversion() -> None:
    pushes = [Push("w0", [event(1, "v1"), event(1, "v0")]), Push("w1", [event(2, "v0"), event(1, DELETED)])]
    result = verdict(COMMITTED, pushes)
    assert result.inversions == 1
    assert not result.passed


def test_a_change_the_source_never_committed_is_extra() -> None:
    pushes = [Push(f"w{i}", [event(*change)]) for i, change in enumerate(COMMITTED)]
    pushes.append(Push("x", [event(9, "v0")]))
    result = verdict(COMMITTED, pushes)
    assert result.extra == 1
    assert not result.passed


def test_labels_rank_in_commit_order_with_the_delete_last() -> None:
    assert label_rank("v0") < label_rank("v2") < label_rank("v10") < label_rank(DELETED)
