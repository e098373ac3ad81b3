"""The committed position of a PostgreSQL CDC source: where to resume, and nothing else.

A batch's position (what the runtime commits and hands back at the next start) is the end LSN
of the last whole transaction in the batch, followed, while a snapshot is running, by the
snapshot's progress as compact JSON::

    0/1A2B3C4
    0/1A2B3C4 {"run":"3f2a…","tables":["public.parcel"],"chunk":12,"last_key":["24576"],"rows":24576}

Positions only ever fall on transaction ends because only there can the slot be confirmed:
a batch that stops inside a large transaction carries the last earlier end (or none).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from connectors.postgres.lsn import format_lsn, parse_lsn
from connectors.postgres.snapshot import SnapshotProgress
from schemas.errors import InvalidInput


class InvalidPosition(InvalidInput):
    code = "invalid_position"


@dataclass(frozen=True)
class ResumePoint:
    lsn: int
    snapshot: SnapshotProgress | None = None

    def encode(self) -> str:
        if self.snapshot is None or self.snapshot.done:
            return format_lsn(self.lsn)
        return f"{format_lsn(self.lsn)} {json.dumps(self.snapshot.to_json(), separators=(',', ':'))}"

    @classmethod
    def decode(cls, text: str) -> ResumePoint:
        lsn_text, _, progress = text.partition(" ")
        try:
            lsn = parse_lsn(lsn_text)
            snapshot = SnapshotProgress.from_json(json.loads(progress)) if progress else None
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidPosition(f"not a postgres_cdc position: {text[:80]!r}") from exc
        return cls(lsn, snapshot)
