"""The topic list is read once per refresh for every sink, and each pattern scanned once per list."""

from __future__ import annotations

import pytest

from bus.admin import KafkaAdmin
from hub.delivery.control.topic_directory import TopicDirectory


async def test_sinks_share_one_read_and_one_scan_per_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    lists = [["gov.land.parcel.v1", "gov.hotich.birth.v1"], ["gov.land.parcel.v1", "gov.land.plan.v1"]]
    reads: list[int] = []

    async def topic_names(self: KafkaAdmin) -> list[str]:
        reads.append(1)
        return lists[min(len(reads), len(lists)) - 1]

    monkeypatch.setattr(KafkaAdmin, "topic_names", topic_names)
    directory = TopicDirectory("127.0.0.1:9", refresh_s=3600)
    land = r"^gov\.land\..*$"
    first = [await directory.matching(land) for _ in range(50)]  # fifty sinks on one pattern
    assert set(first) == {frozenset({"gov.land.parcel.v1"})} and len(reads) == 1
    directory.refresh_s = 0.0  # the next call reads the list again: a new topic is matched
    assert await directory.matching(land) == {"gov.land.parcel.v1", "gov.land.plan.v1"}
