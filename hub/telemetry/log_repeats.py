"""At most one line per interval for each message the Kafka client repeats.

With the broker away aiokafka logs every failed connection, metadata refresh and fetch, a few
hundred lines a second per process; an outage of a minute would bury everything else in the
log. The first line of each kind goes out at once; repeats within ``interval_s`` are counted,
and the next line of that kind says how many were held back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bus import CLIENT_LOGGER

INTERVAL_S = 10.0


@dataclass
class RepeatLimit(logging.Filter):
    interval_s: float = INTERVAL_S
    prefix: str = CLIENT_LOGGER
    clock: Callable[[], float] = time.monotonic
    _last: dict[tuple[str, str], float] = field(default_factory=dict)
    _held: dict[tuple[str, str], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__()

    def filter(self, record: logging.LogRecord) -> bool:
        if not (record.name == self.prefix or record.name.startswith(self.prefix + ".")):
            return True
        kind = (record.name, str(record.msg))  # the template: arguments (node, address) vary
        now = self.clock()
        last = self._last.get(kind)
        if last is not None and now - last < self.interval_s:
            self._held[kind] = self._held.get(kind, 0) + 1
            return False
        self._last[kind] = now
        held = self._held.pop(kind, 0)
        if held:
            record.msg = f"{record.msg} ({held} alike in the last {self.interval_s:g}s not shown)"
        return True


__all__ = ["INTERVAL_S", "RepeatLimit"]
