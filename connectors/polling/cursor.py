"""The position of a whole polling source: every table's watermark, as one committed string.

A batch may hold rows of several tables, so the runtime commits one composite position: JSON
with, per table, the last row read (its ``Watermark``) and, while the table's initial snapshot
is not finished, the instant that separates snapshot rows (``op = "r"``) from later changes.
Resuming from it gives every table back exactly where its last acknowledged row left it.

``outbox_batch`` is the number of the last outbox batch read in this run: committing a position
cleans up (deletes or marks) the outbox rows of every batch up to it. The outbox table itself is
the outbox's durable state (published rows are gone), so nothing else about it is stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from connectors.polling.watermark import MalformedPosition, Watermark, decode_value, encode_value

VERSION = 1


@dataclass(frozen=True)
class TableProgress:
    watermark: Watermark | None = None
    snapshot_until: datetime | None = None  # rows updated at or before it are snapshot reads

    def to_json(self) -> dict[str, str]:
        document = {}
        if self.watermark is not None:
            document["w"] = self.watermark.encode()
        if self.snapshot_until is not None:
            document["s"] = encode_value(self.snapshot_until)
        return document

    @classmethod
    def from_json(cls, document: dict[str, str]) -> TableProgress:
        watermark = Watermark.decode(document["w"]) if "w" in document else None
        until = decode_value(document["s"]) if "s" in document else None
        if until is not None and not isinstance(until, datetime):
            raise MalformedPosition(f"snapshot limit is not a timestamp: {document['s']!r}")
        return cls(watermark, until)


@dataclass(frozen=True)
class Cursor:
    tables: dict[str, TableProgress] = field(default_factory=dict)
    outbox_batch: int = 0

    def with_table(self, table: str, progress: TableProgress) -> Cursor:
        return replace(self, tables={**self.tables, table: progress})

    def encode(self) -> str:
        document: dict[str, Any] = {"v": VERSION, "tables": {t: p.to_json() for t, p in self.tables.items()}}
        if self.outbox_batch:
            document["outbox"] = self.outbox_batch
        return json.dumps(document, sort_keys=True, separators=(",", ":"))

    @classmethod
    def decode(cls, position: str) -> Cursor:
        try:
            document = json.loads(position)
            if document.get("v") != VERSION:
                raise MalformedPosition(f"unknown polling position version in {position!r}")
            tables = {t: TableProgress.from_json(p) for t, p in document["tables"].items()}
            return cls(tables, int(document.get("outbox", 0)))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise MalformedPosition(f"not a polling position: {position!r}") from exc


__all__ = ["Cursor", "TableProgress"]
