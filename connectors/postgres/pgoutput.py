"""Decoder of the ``pgoutput`` logical replication protocol (version 1), pure and I/O free.

Owns the byte layout of the messages the built-in plugin sends inside XLogData frames, as
documented in "Logical Replication Message Formats": Begin, Commit, Origin, Relation, Type,
Insert, Update, Delete, Truncate and Message. Tuple columns keep the plugin's three kinds
apart: ``n`` (NULL), ``t`` (text value) and ``u`` (an unchanged TOASTed value the server did
not send), so no caller can mistake the last for data. Anything it does not understand is a
:class:`ProtocolError` rather than a guess.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from schemas.errors import SourceError

PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class ProtocolError(SourceError):
    """Bytes that are not valid pgoutput v1: a server or version we do not speak."""

    code = "pgoutput_protocol_error"
    retriable = False


class ColumnKind(Enum):
    NULL = "n"
    UNCHANGED_TOAST = "u"
    TEXT = "t"
    BINARY = "b"


@dataclass(frozen=True)
class Column:
    kind: ColumnKind
    data: bytes | None = None


@dataclass(frozen=True)
class RelationColumn:
    name: str
    type_oid: int
    type_modifier: int
    is_key: bool


@dataclass(frozen=True)
class Begin:
    final_lsn: int  # the commit record's LSN: the transaction's place in commit order
    commit_time: datetime
    xid: int


@dataclass(frozen=True)
class Commit:
    commit_lsn: int
    end_lsn: int  # just past the commit record: what to confirm once the transaction is safe
    commit_time: datetime


@dataclass(frozen=True)
class OriginMessage:
    """The protocol's Origin message (``Origin`` alone is the delivery's record address)."""

    commit_lsn: int
    name: str


@dataclass(frozen=True)
class Relation:
    oid: int
    namespace: str
    name: str
    replica_identity: str  # d(efault), n(othing), f(ull), i(ndex)
    columns: tuple[RelationColumn, ...]

    @property
    def qualified_name(self) -> str:
        return f"{self.namespace}.{self.name}"


@dataclass(frozen=True)
class Type:
    oid: int
    namespace: str
    name: str


@dataclass(frozen=True)
class Insert:
    relation_oid: int
    new: tuple[Column, ...]


@dataclass(frozen=True)
class Update:
    relation_oid: int
    old: tuple[Column, ...] | None
    old_is_key_only: bool  # 'K' (replica identity key) rather than 'O' (the full old row)
    new: tuple[Column, ...]


@dataclass(frozen=True)
class Delete:
    relation_oid: int
    old: tuple[Column, ...]
    old_is_key_only: bool


@dataclass(frozen=True)
class Truncate:
    relation_oids: tuple[int, ...]
    cascade: bool
    restart_identity: bool


@dataclass(frozen=True)
class LogicalMessage:
    transactional: bool
    lsn: int
    prefix: str
    content: bytes


Message = (
    Begin | Commit | OriginMessage | Relation | Type | Insert | Update | Delete | Truncate | LogicalMessage
)


class _Reader:
    """A cursor over one message's bytes; every read checks the bounds."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def unpack(self, fmt: str) -> tuple[int, ...]:
        size = struct.calcsize(fmt)
        if self.at + size > len(self.data):
            raise ProtocolError("pgoutput message truncated", details={"at": self.at})
        values = struct.unpack_from(fmt, self.data, self.at)
        self.at += size
        return values

    def number(self, fmt: str) -> int:
        return self.unpack(fmt)[0]

    def byte(self) -> str:
        return self.take(1).decode("ascii")

    def take(self, size: int) -> bytes:
        if size < 0 or self.at + size > len(self.data):
            raise ProtocolError("pgoutput message truncated", details={"at": self.at})
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk

    def string(self) -> str:
        end = self.data.find(b"\0", self.at)
        if end < 0:
            raise ProtocolError("unterminated string in pgoutput message", details={"at": self.at})
        text = self.data[self.at : end].decode("utf-8")
        self.at = end + 1
        return text

    def timestamp(self) -> datetime:
        return PG_EPOCH + timedelta(microseconds=self.number("!q"))


_COUNT, _LENGTH = struct.Struct("!h"), struct.Struct("!i")
_NULL, _UNCHANGED = Column(ColumnKind.NULL), Column(ColumnKind.UNCHANGED_TOAST)
_VALUE_KINDS = {ord("t"): ColumnKind.TEXT, ord("b"): ColumnKind.BINARY}


def _tuple(reader: _Reader) -> tuple[Column, ...]:
    """TupleData: the hot path of streaming, so it indexes the bytes directly."""
    data, at = reader.data, reader.at
    try:
        (count,) = _COUNT.unpack_from(data, at)
        at += 2
        columns: list[Column] = []
        for _ in range(count):
            kind, at = data[at], at + 1
            if kind in _VALUE_KINDS:
                (size,), at = _LENGTH.unpack_from(data, at), at + 4
                if size < 0 or at + size > len(data):
                    raise ProtocolError("pgoutput tuple value truncated", details={"at": at})
                columns.append(Column(_VALUE_KINDS[kind], data[at : at + size]))
                at += size
            elif kind == ord("n"):
                columns.append(_NULL)
            elif kind == ord("u"):
                columns.append(_UNCHANGED)
            else:
                raise ProtocolError(f"unknown tuple column kind {chr(kind)!r}")
    except (struct.error, IndexError) as exc:
        raise ProtocolError("pgoutput tuple truncated", details={"at": at}) from exc
    reader.at = at
    return tuple(columns)


def _begin(r: _Reader) -> Begin:
    final_lsn = r.number("!Q")
    return Begin(final_lsn=final_lsn, commit_time=r.timestamp(), xid=r.number("!I"))


def _commit(r: _Reader) -> Commit:
    r.number("!B")  # flags, unused by the protocol so far
    commit_lsn, end_lsn = r.unpack("!QQ")
    return Commit(commit_lsn=commit_lsn, end_lsn=end_lsn, commit_time=r.timestamp())


def _origin(r: _Reader) -> OriginMessage:
    return OriginMessage(commit_lsn=r.number("!Q"), name=r.string())


def _relation(r: _Reader) -> Relation:
    oid, namespace, name = r.number("!I"), r.string(), r.string()
    identity, count = r.byte(), r.number("!h")
    columns = []
    for _ in range(count):
        flags, column_name = r.number("!B"), r.string()
        type_oid, modifier = r.unpack("!Ii")
        columns.append(RelationColumn(column_name, type_oid, modifier, bool(flags & 1)))
    return Relation(oid, namespace or "pg_catalog", name, identity, tuple(columns))


def _type(r: _Reader) -> Type:
    return Type(oid=r.number("!I"), namespace=r.string(), name=r.string())


def _expect(r: _Reader, wanted: str) -> None:
    got = r.byte()
    if got != wanted:
        raise ProtocolError(f"expected tuple marker {wanted!r}, got {got!r}")


def _insert(r: _Reader) -> Insert:
    oid = r.number("!I")
    _expect(r, "N")
    return Insert(oid, _tuple(r))


def _update(r: _Reader) -> Update:
    oid, marker = r.number("!I"), r.byte()
    if marker == "N":
        return Update(oid, None, False, _tuple(r))
    if marker not in ("K", "O"):
        raise ProtocolError(f"unknown update marker {marker!r}")
    old = _tuple(r)
    _expect(r, "N")
    return Update(oid, old, marker == "K", _tuple(r))


def _delete(r: _Reader) -> Delete:
    oid, marker = r.number("!I"), r.byte()
    if marker not in ("K", "O"):
        raise ProtocolError(f"unknown delete marker {marker!r}")
    return Delete(oid, _tuple(r), marker == "K")


def _truncate(r: _Reader) -> Truncate:
    count, options = r.number("!i"), r.number("!B")
    oids = tuple(r.number("!I") for _ in range(count))
    return Truncate(oids, cascade=bool(options & 1), restart_identity=bool(options & 2))


def _message(r: _Reader) -> LogicalMessage:
    flags, lsn = r.unpack("!BQ")
    prefix = r.string()
    return LogicalMessage(bool(flags & 1), lsn, prefix, r.take(r.number("!i")))


_DECODERS: dict[str, Callable[[_Reader], Message]] = {
    "B": _begin,
    "C": _commit,
    "O": _origin,
    "R": _relation,
    "Y": _type,
    "I": _insert,
    "U": _update,
    "D": _delete,
    "T": _truncate,
    "M": _message,
}


def decode(data: bytes) -> Message:
    """One pgoutput message from the payload of one XLogData frame."""
    if not data:
        raise ProtocolError("empty pgoutput message")
    reader = _Reader(data)
    tag = reader.byte()
    decoder = _DECODERS.get(tag)
    if decoder is None:
        raise ProtocolError(f"unsupported pgoutput message {tag!r} (streaming or two-phase on?)")
    return decoder(reader)
