"""Kafka's errors stop in ``bus``: callers see ``BusError`` with the cause chained."""

from __future__ import annotations

import pytest
from aiokafka.errors import KafkaConnectionError

from bus.errors import is_group_busy, translated
from schemas.errors import BusError


def test_a_kafka_error_becomes_a_bus_error_naming_what_failed() -> None:
    with pytest.raises(BusError, match="cannot read offsets: ") as raised, translated("cannot read offsets"):
        raise KafkaConnectionError("refused")
    assert isinstance(raised.value.__cause__, KafkaConnectionError)
    assert raised.value.code == BusError.code


def test_other_errors_pass_through_untouched() -> None:
    with pytest.raises(ValueError, match="mine"), translated("anything"):
        raise ValueError("mine")


def test_a_refused_commit_of_a_group_with_members_is_recognised() -> None:
    assert is_group_busy(BusError("commit failed for group g: [Error 25] UnknownMemberIdError"))
    assert is_group_busy(BusError("commit failed: RebalanceInProgressError"))
    assert not is_group_busy(BusError("cannot connect to Kafka"))
