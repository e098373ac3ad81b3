"""Parked keys: held while an earlier event of the key is in retry, dropped with their partition."""

from __future__ import annotations

from hub.delivery.pipeline.parking import RetryKeys
from tests.hub.delivery.jobs import TOPIC, make_job


def test_a_key_is_held_until_its_retried_event_is_resolved() -> None:
    keys, retried = RetryKeys(), make_job("A", 0)
    keys.add(retried)
    assert keys.holds(make_job("A", 1)) and not keys.holds(make_job("B", 0))
    keys.discard(retried)
    assert not keys.holds(make_job("A", 1))


def test_keys_of_a_revoked_partition_are_forgotten_others_kept() -> None:
    keys = RetryKeys()
    keys.add(make_job("A", 0))  # origin partition 0 (make_job)
    keys.forget([(TOPIC, 1)])
    assert len(keys) == 1
    keys.forget([(TOPIC, 0)])
    assert len(keys) == 0 and not keys.holds(make_job("A", 1))
