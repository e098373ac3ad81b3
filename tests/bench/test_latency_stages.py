"""The stage timer's own logic: commit times read the same way from every stage, and a slow
change put down to the stage that held it."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from tests.bench.latency_stages import PG_EPOCH_US, STAGES, Clock, commit_us, summary


def test_a_commit_time_is_one_key_whether_read_from_pgoutput_a_change_or_a_header() -> None:
    moment = datetime(2026, 12, 6, 13, 0, 0, 123456, tzinfo=UTC)
    pgoutput_us = commit_us(moment) - PG_EPOCH_US  # what a Begin message carries
    assert pgoutput_us + PG_EPOCH_US == commit_us(datetime.fromisoformat("2026-12-06T13:00:00.123456Z"))


def test_a_slow_change_is_put_down_to_the_stage_that_held_it() -> None:
    clock = Clock()
    for n in range(100):
        committed = 1_000_000 + n * 1000  # µs: one commit a millisecond
        waits_ms = [1.0, 0.5, 1.0, 2.0, 1.0]
        if n == 50:
            waits_ms[3] = 120.0  # held between handed to the producer and acknowledged
        at = committed / 1e6
        for stage, wait in zip(STAGES, waits_ms, strict=True):
            at += wait / 1000
            clock.stamp(stage, committed, at)
    out = io.StringIO()
    found = summary(clock, out)
    assert found["slow"] == 1
    assert 123 < found["max"] < 124  # 1 + 0.5 + 1 + 120 + 1
    assert "mostly handed->acked (120.0 ms)" in out.getvalue()
