"""Deterministic event ids.

An id is a UUIDv5 of where the change sits in its source (connector, table, source position,
record key, operation). A connector that crashes after producing but before committing its
position re-reads the same changes and re-publishes them with the same ids, so subscribers
can de-duplicate (the at-least-once contract).
"""

from __future__ import annotations

import hashlib
import uuid

EVENT_NAMESPACE = uuid.UUID("6f1c2d0e-3b8a-5c7e-9d41-0a2b3c4d5e6f")
_NAMESPACE_BYTES = EVENT_NAMESPACE.bytes


def event_id(connector: str, table: str, position: str, key: str, op: str) -> str:
    """``uuid.uuid5`` of the joined parts, computed without the ``UUID`` object (asked per change)."""
    name = "\x1f".join((connector, table, position, key, op)).encode()
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name, usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = digest.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
