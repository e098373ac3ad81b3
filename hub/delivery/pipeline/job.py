"""One event on its way to one subscriber: the Kafka record it came in, and where it stands.

A job is made from a feed record (first delivery) or from a record of the subscription's retry
topic (a later scheduled attempt, a parked event, or a redelivery from the dead letters). The
retry and dead-letter topics carry the original CloudEvent headers plus ``hub-*`` headers that
say where the event came from and how far its delivery got (``bus.headers``), so a restarted hub
resumes there. ``Record`` is the bus's consumed record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bus.headers import Headers
from bus.records import Record
from schemas.events import ChangeEvent


@dataclass(frozen=True, slots=True)
class Origin:
    """The feed record an event was first read from: the address the delivery log and trace use."""

    topic: str
    partition: int
    offset: int

    def render(self) -> str:
        return f"{self.topic}:{self.partition}:{self.offset}"

    @classmethod
    def parse(cls, text: str | None, fallback: Record) -> Origin:
        if text:
            topic, partition, offset = text.rsplit(":", 2)
            return cls(topic, int(partition), int(offset))
        return cls(fallback.topic, fallback.partition, fallback.offset)


@dataclass(eq=False)
class RecordedBatch:
    """A request decided once (ADR 013): its ``webhook-id`` and its members, by feed offset in
    request order, all from one feed partition. Shared by its members' jobs."""

    id: str
    topic: str
    partition: int
    offsets: tuple[int, ...]
    attempts: int = 0  # tries recorded in the ledger so far
    gone: set[int] = field(default_factory=set)  # members settled before a restart: not coming back


@dataclass(eq=False)
class Job:
    """Mutable progress of one delivery; identity matters (``eq=False``), not field values."""

    record: Record
    event: ChangeEvent
    origin: Origin
    from_retry: bool = False
    stage: int = 0  # index into the subscription's retry schedule
    due: float = 0.0  # epoch seconds
    attempts: int = 0  # HTTP tries made so far, across stages and restarts
    last_error: str | None = None
    scheduled_at: float = field(default=0.0)
    retry_here: bool = True  # this process reads the retry partition of the job's key (parking)
    batch: RecordedBatch | None = None  # the recorded request it belongs to, once decided
    released: str | None = None  # a spent request it was recorded in, sent without it (ADR 013)

    @property
    def key(self) -> str:
        return self.event.subject

    @property
    def order_key(self) -> tuple[str, str, str]:
        """Jobs with the same order key go one at a time, in arrival order (``ordering: key``).

        Feed jobs and retry jobs are separate lanes: a feed event whose key is in retry waits
        (parked) until the key's retried events are settled, whichever lane they are in.
        """
        return ("retry" if self.from_retry else "feed", self.origin.topic, self.key)

    @property
    def ident(self) -> str:
        return f"{self.event.id}@{self.origin.render()}"


__all__ = ["Headers", "Job", "Origin", "Record", "RecordedBatch"]
