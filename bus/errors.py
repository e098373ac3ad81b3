"""Where Kafka's own errors stop: inside ``bus``, every aiokafka failure becomes one of ours.

``translated`` wraps each call that talks to the broker; callers above ``bus`` only ever see
``BusError`` (or ``GroupBusy``), with the cause chained for the logs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aiokafka.errors import KafkaError

from schemas.errors import BusError, Conflict


class GroupBusy(Conflict):
    """The group still has members: a hub process is running the subscription."""

    code = "consumer_group_busy"
    retriable = True


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Raise ``BusError("<what>: <cause>")`` from any Kafka error raised inside the block."""
    try:
        yield
    except KafkaError as exc:
        raise BusError(f"{what}: {exc}") from exc


def is_group_busy(exc: BaseException) -> bool:
    """Kafka refuses an offset commit for a group that has members (or is rebalancing)."""
    text = str(exc).lower()
    return "member" in text or "rebalance" in text


__all__ = ["GroupBusy", "is_group_busy", "translated"]
