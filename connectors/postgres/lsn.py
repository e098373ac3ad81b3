"""Log sequence numbers: PostgreSQL's 64-bit WAL positions and their ``X/Y`` text form.

LSNs travel as ints inside the connector (cheap to compare) and as the server's own text form
("0/16B3748") wherever a person or another process reads them, so a position in an event can be
pasted straight into ``pg_replication_slots`` queries.
"""

from __future__ import annotations

import re

_LSN_TEXT = re.compile(r"^([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})$")


def format_lsn(lsn: int) -> str:
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def parse_lsn(text: str) -> int:
    match = _LSN_TEXT.match(text)
    if match is None:
        raise ValueError(f"not an LSN: {text!r}")
    return (int(match.group(1), 16) << 32) | int(match.group(2), 16)
