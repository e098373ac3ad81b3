"""The Kafka client's repeated lines are held back to one per interval, with a count."""

from __future__ import annotations

import logging

from hub.telemetry.log_repeats import RepeatLimit


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def record(name: str, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args, None)


def test_repeats_within_the_interval_are_held_back_and_counted_on_the_next_line() -> None:
    clock = Clock()
    limit = RepeatLimit(interval_s=10, clock=clock)
    template = "Unable connect to node with id %s: %s"
    assert limit.filter(record("aiokafka", template, 1, "refused"))
    assert not limit.filter(record("aiokafka", template, 1, "refused again"))
    assert not limit.filter(record("aiokafka", template, 2, "refused"))
    clock.now = 10.5
    later = record("aiokafka", template, 1, "refused")
    assert limit.filter(later)
    assert "(2 alike in the last 10s not shown)" in later.getMessage()


def test_different_messages_and_other_loggers_pass() -> None:
    limit = RepeatLimit(interval_s=10, clock=Clock())
    assert limit.filter(record("aiokafka", "one"))
    assert limit.filter(record("aiokafka.consumer.fetcher", "one"))
    assert limit.filter(record("aiokafka", "two"))
    assert limit.filter(record("hub.delivery.sink", "one"))
    assert limit.filter(record("hub.delivery.sink", "one"))
    assert limit.filter(record("aiokafkaesque", "one")) and limit.filter(record("aiokafkaesque", "one"))
