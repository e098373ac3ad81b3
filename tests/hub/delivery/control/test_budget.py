"""The process's memory budget divided among its lanes, and a sink's floor."""

from __future__ import annotations

from hub.delivery.control.budget import MOST_PENDING, MemoryBudget, Share
from hub.settings import Settings


def test_the_budget_is_divided_equally_and_a_lone_sink_keeps_a_bounded_queue() -> None:
    budget = MemoryBudget(fetch_bytes=64_000_000, pending_events=20_000)
    assert budget.share(100) == Share(640_000, 200)
    assert budget.share(1) == Share(64_000_000, MOST_PENDING)
    assert budget.share(0) == budget.share(1)


def test_the_budget_comes_from_the_settings() -> None:
    settings = Settings(delivery_fetch_budget_bytes=1_000_000, delivery_pending_budget=500)
    assert MemoryBudget.from_settings(settings) == MemoryBudget(1_000_000, 500)
