"""The latest state of every record as of a hand-over offset, read from one state partition (pure).

The keeper (``keeper``) writes state partition ``p`` in the source offset order of feed partition
``p``, so the entries copied from source offsets below the hand-over offset ``E`` are a prefix of
the state partition: it ends at the first entry whose source offset is ``>= E`` (or at the
partition's end). Within that prefix a record's latest state is its key's LAST entry; a
tombstone as last entry means the record was deleted before ``E`` (nothing to deliver).

Two passes over the prefix keep memory to one small entry per key of one partition (a 16-byte
digest and an offset, never a payload): ``LastEntries`` learns each key's last offset, then the
second pass keeps exactly the entries ``is_last`` says. Compaction may remove an entry between
the passes only when a later entry of the same key exists; when that later entry lies beyond
the prefix, the key is skipped here and the live lane delivers its newer version (ADR 011).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bus import headers
from bus.records import Record

DIGEST_BYTES = 16


def key_digest(key: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(key, digest_size=DIGEST_BYTES).digest(), "big")


@dataclass(frozen=True, slots=True)
class StateEntry:
    """One record of a state partition, as the prefix logic sees it."""

    offset: int  # in the state partition
    key: bytes
    source_offset: int  # of the feed record it copies, in the feed partition of the same number
    tombstone: bool

    @classmethod
    def of(cls, record: Record) -> StateEntry:
        source = headers.read_integer(record.header(headers.SOURCE_OFFSET), default=-1)
        return cls(record.offset, record.key or b"", source, record.value is None)


class LastEntries:
    """Pass one: each key's last entry in the prefix below ``handover``."""

    def __init__(self, handover: int) -> None:
        self.handover = handover
        self.end: int | None = None  # state offset where the prefix ends, once seen
        self._last: dict[int, int] = {}  # key digest -> state offset; ~offset for a tombstone

    def add(self, entry: StateEntry) -> bool:
        """Learn ``entry``; False once the prefix has ended (at this entry or before)."""
        if self.end is not None:
            return False
        if entry.source_offset >= self.handover:
            self.end = entry.offset
            return False
        self._last[key_digest(entry.key)] = ~entry.offset if entry.tombstone else entry.offset
        return True

    def ended_at(self, end_offset: int) -> None:
        """The partition was read to ``end_offset`` without meeting the hand-over."""
        if self.end is None:
            self.end = end_offset

    @property
    def live(self) -> int:
        """Records whose latest state in the prefix is not a delete."""
        return sum(1 for offset in self._last.values() if offset >= 0)

    def is_last(self, entry: StateEntry) -> bool:
        """Whether ``entry`` is its key's latest state in the prefix, and not a delete."""
        if entry.tombstone or (self.end is not None and entry.offset >= self.end):
            return False
        return self._last.get(key_digest(entry.key)) == entry.offset


__all__ = ["DIGEST_BYTES", "LastEntries", "StateEntry", "key_digest"]
