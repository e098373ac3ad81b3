"""The restart schedule: doubling, jittered between half and all of it, capped, reset by success."""

from __future__ import annotations

from connectors.backoff import Backoff


def test_delays_double_up_to_the_cap_with_jitter_and_reset() -> None:
    backoff = Backoff(initial_s=1.0, max_s=8.0)
    delays = [backoff.next_delay() for _ in range(6)]
    for delay, nominal in zip(delays, [1, 2, 4, 8, 8, 8], strict=True):
        assert nominal / 2 <= delay <= nominal
    backoff.reset()
    assert backoff.next_delay() <= 1.0
