"""The polling position of one row: ``(updated_at, key...)`` as a string that sorts and round-trips.

Every polled change carries the watermark of the row it came from as its ``Change.position``;
the event id derives from it, so a row version read twice (after a crash) gets the same id.
The encoding is one typed component per value, joined by a space::

    t2025-07-01T08:00:00.000000Z i09223372036854775849     (aware updated_at, integer key 42)
    t2025-07-01T08:00:00.000000 sHN-0042                    (naive updated_at, text key)

- ``t``: a datetime, microseconds always written; aware values in UTC with a ``Z``, naive ones
  bare (a naive column is compared with naive values, so the two kinds never mix in one table);
- ``i``: a signed 64-bit integer, offset by 2**63 and zero-padded so text order = number order;
- ``u``: a UUID in its canonical lower-case form;
- ``s``: text, percent-encoded so no value can contain the separator.

Text order equals value order for timestamps, integers, UUIDs and alphanumeric text; other text
round-trips exactly but only approximately sorts. Queries never rely on the string order: they
bind the decoded values and let the database compare them with its own collation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

from schemas.errors import ConfigurationError, SourceError

SEPARATOR = " "
INT_OFFSET = 2**63
INT_WIDTH = 20


class UnsupportedValueType(ConfigurationError):
    """A key or updated-at column whose type has no watermark encoding (a float, a blob...)."""

    code = "column_type_unsupported"


class MalformedPosition(SourceError):
    """A stored position this source did not write: resuming from it could skip changes."""

    code = "position_malformed"
    retriable = False


@dataclass(frozen=True, order=True)
class Watermark:
    """Where polling stands in one table: the last row read, by ``(updated_at, key...)``."""

    updated_at: datetime
    key: tuple[Any, ...]

    def encode(self) -> str:
        return SEPARATOR.join(encode_value(value) for value in (self.updated_at, *self.key))

    @classmethod
    def decode(cls, position: str) -> Watermark:
        first, *rest = (decode_value(part) for part in position.split(SEPARATOR))
        if not isinstance(first, datetime) or not rest:
            raise MalformedPosition(f"not a polling watermark: {position!r}")
        return cls(first, tuple(rest))


def encode_value(value: Any) -> str:
    if isinstance(value, datetime):
        return "t" + _encode_datetime(value)
    if isinstance(value, bool):  # bool is an int: a flag is no key
        raise UnsupportedValueType("a boolean column cannot order a watermark")
    if isinstance(value, int):
        if not -INT_OFFSET <= value < INT_OFFSET:
            raise UnsupportedValueType(f"integer key {value} does not fit in 64 bits")
        return f"i{value + INT_OFFSET:0{INT_WIDTH}d}"
    if isinstance(value, uuid.UUID):
        return f"u{value}"
    if isinstance(value, str):
        return "s" + quote(value, safe="")
    raise UnsupportedValueType(
        f"no watermark encoding for {type(value).__name__} values (use timestamps, integers, text, UUIDs)"
    )


def decode_value(part: str) -> Any:
    tag, body = part[:1], part[1:]
    try:
        if tag == "t":
            return _decode_datetime(body)
        if tag == "i" and len(body) == INT_WIDTH and body.isdigit():
            return int(body) - INT_OFFSET
        if tag == "u":
            return uuid.UUID(body)
        if tag == "s":
            return unquote(body)
    except ValueError as exc:
        raise MalformedPosition(f"malformed watermark component {part!r}") from exc
    raise MalformedPosition(f"malformed watermark component {part!r}")


def _encode_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        return value.isoformat(timespec="microseconds")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _decode_datetime(body: str) -> datetime:
    if body.endswith("Z"):
        return datetime.fromisoformat(body[:-1]).replace(tzinfo=UTC)
    return datetime.fromisoformat(body)


__all__ = ["MalformedPosition", "UnsupportedValueType", "Watermark", "decode_value", "encode_value"]
