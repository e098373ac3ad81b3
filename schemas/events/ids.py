"""Deterministic event ids.

An id is a UUIDv5 of where the change sits in its source (connector, table, source position,
record key, operation). A connector that crashes after producing but before committing its
position re-reads the same changes and re-publishes them with the same ids, so subscribers
can de-duplicate (the at-least-once contract).
"""

from __future__ import annotations

import uuid

EVENT_NAMESPACE = uuid.UUID("6f1c2d0e-3b8a-5c7e-9d41-0a2b3c4d5e6f")


def event_id(connector: str, table: str, position: str, key: str, op: str) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, "\x1f".join((connector, table, position, key, op))))
