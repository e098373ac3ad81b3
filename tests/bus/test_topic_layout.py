"""The topic layout's choices: partitions per topic, replication on a cluster, what an existing topic gets."""

from __future__ import annotations

import pytest

from bus.ports import FEED_PARTITIONS
from bus.topic_layout import PartitionPlan, TopicLayout
from schemas.errors import TopicLayoutInvalid, TopicPartitionsBelowExisting


def test_the_default_is_six_partitions_three_copies_two_in_sync() -> None:
    layout = TopicLayout()
    assert layout.partitions_of("gov.land.parcel.v1") == FEED_PARTITIONS == 6
    assert layout.replication(3) == (3, 2)


@pytest.mark.parametrize(("brokers", "expected"), [(1, (1, 1)), (2, (2, 2)), (3, (3, 2)), (5, (3, 2))])
def test_default_replication_is_what_the_cluster_holds_up_to_three(
    brokers: int, expected: tuple[int, int]
) -> None:
    assert TopicLayout().replication(brokers) == expected


def test_a_feed_can_have_its_own_partition_count() -> None:
    layout = TopicLayout(partitions=12, per_topic={"gov.land.parcel.v1": 24})
    assert layout.partitions_of("gov.land.parcel.v1") == 24
    assert layout.partitions_of("gov.civil-status.birth.v1") == 12


def test_configured_replication_and_min_in_sync_are_taken_as_given() -> None:
    assert TopicLayout(replication_factor=5, min_insync_replicas=3).replication(7) == (5, 3)
    assert TopicLayout(replication_factor=2).replication(3) == (2, 2)
    assert TopicLayout(min_insync_replicas=1).replication(3) == (3, 1)


def test_more_copies_than_brokers_is_refused_naming_both() -> None:
    with pytest.raises(TopicLayoutInvalid, match="replication factor 3 needs 3 brokers; the cluster has 1"):
        TopicLayout(replication_factor=3).replication(1)


def test_min_in_sync_above_the_copies_is_refused() -> None:
    with pytest.raises(
        TopicLayoutInvalid, match=r"min\.insync\.replicas 3 is above the replication factor 2"
    ):
        TopicLayout(replication_factor=2, min_insync_replicas=3).replication(3)


@pytest.mark.parametrize(
    "changes",
    [{"partitions": 0}, {"per_topic": {"t": 0}}, {"replication_factor": 0}, {"min_insync_replicas": -1}],
)
def test_figures_below_one_are_refused_when_made(changes: dict[str, object]) -> None:
    with pytest.raises(TopicLayoutInvalid, match="at least 1") as caught:
        TopicLayout(**changes)  # type: ignore[arg-type]
    assert caught.value.code == "topic_layout_invalid"


def test_an_existing_topic_at_the_configured_count_is_kept() -> None:
    assert TopicLayout(partitions=6).plan("t", 6) is PartitionPlan.KEEP


def test_fewer_partitions_than_a_topic_has_is_refused() -> None:
    with pytest.raises(TopicPartitionsBelowExisting, match="topic t has 12 partitions and 6 are configured"):
        TopicLayout(partitions=6, allow_grow=True).plan("t", 12)


def test_a_topic_with_fewer_partitions_is_grown_only_when_allowed_else_left() -> None:
    assert TopicLayout(partitions=12, allow_grow=True).plan("t", 6) is PartitionPlan.GROW
    assert TopicLayout(partitions=12).plan("t", 6) is PartitionPlan.LEAVE


def test_a_topic_pinned_at_its_count_is_kept_whatever_the_default() -> None:
    assert TopicLayout(partitions=12, per_topic={"old": 6}).plan("old", 6) is PartitionPlan.KEEP
