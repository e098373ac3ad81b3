"""The pgoutput decoder on bytes PostgreSQL 15 really sent (no server needed)."""

from __future__ import annotations

import struct

import pytest

from connectors.postgres.pgoutput import (
    Begin,
    ColumnKind,
    Commit,
    Delete,
    Insert,
    LogicalMessage,
    ProtocolError,
    Relation,
    Truncate,
    Type,
    Update,
    decode,
)
from tests.connectors.postgres.captured import messages, payloads


def kinds(scenario: str) -> list[type]:
    return [type(m) for m in messages(scenario)]


def test_insert_transaction_has_begin_type_relation_insert_commit() -> None:
    assert kinds("insert") == [Begin, Type, Relation, Insert, Commit]
    begin, type_, relation, insert, commit = messages("insert")
    assert isinstance(begin, Begin) and isinstance(commit, Commit)
    assert begin.final_lsn == commit.commit_lsn < commit.end_lsn
    assert begin.commit_time == commit.commit_time and begin.xid > 0
    assert isinstance(type_, Type) and (type_.namespace, type_.name) == ("public", "land_use")
    assert isinstance(relation, Relation) and relation.qualified_name == "public.parcel"
    assert [(c.name, c.is_key) for c in relation.columns][:2] == [("id", True), ("owner", False)]
    assert relation.columns[2].type_oid == 1700 and relation.replica_identity == "d"
    assert isinstance(insert, Insert) and insert.relation_oid == relation.oid
    assert [c.data for c in insert.new[:3]] == [b"1", "Nguyễn Văn A".encode(), b"120.50"]
    assert insert.new[4].data == b"x" * 9000


def test_unchanged_toast_column_is_its_own_kind_without_data() -> None:
    update = next(m for m in messages("update_toast_unchanged") if isinstance(m, Update))
    assert update.old is None
    assert [c.kind for c in update.new] == [ColumnKind.TEXT] * 4 + [ColumnKind.UNCHANGED_TOAST]
    assert update.new[4].data is None


def test_key_change_sends_the_old_key_only() -> None:
    update = next(m for m in messages("update_key_changed") if isinstance(m, Update))
    assert update.old is not None and update.old_is_key_only
    assert update.old[0].data == b"1" and {c.kind for c in update.old[1:]} == {ColumnKind.NULL}
    assert update.new[0].data == b"2"


def test_delete_with_default_identity_and_with_full_identity() -> None:
    default = next(m for m in messages("delete_default_identity") if isinstance(m, Delete))
    assert default.old_is_key_only and default.old[0].data == b"2"
    full = next(m for m in messages("full_identity") if isinstance(m, Delete))
    assert not full.old_is_key_only
    assert [c.kind for c in full.old] == [ColumnKind.TEXT, ColumnKind.NULL, ColumnKind.TEXT]


def test_full_identity_update_sends_the_whole_old_row() -> None:
    update = next(m for m in messages("full_identity") if isinstance(m, Update))
    assert update.old is not None and not update.old_is_key_only
    assert update.old[2].data == b"x" * 9000
    assert update.new[2].kind is ColumnKind.UNCHANGED_TOAST


def test_truncate_lists_relations_and_options() -> None:
    truncate = next(m for m in messages("truncate") if isinstance(m, Truncate))
    relations = [m for m in messages("truncate") if isinstance(m, Relation)]
    assert truncate.relation_oids == tuple(r.oid for r in relations)
    assert truncate.restart_identity and not truncate.cascade


def test_logical_messages_transactional_and_not() -> None:
    found = [m for m in messages("messages") if isinstance(m, LogicalMessage)]
    assert [(m.transactional, m.prefix, m.content) for m in found] == [
        (True, "hub", b"in a transaction"),
        (False, "hub", b"\x00\xff"),
        (True, "flush", b""),
    ]


@pytest.mark.parametrize("cut", [1, 5, 20])
def test_truncated_bytes_are_a_protocol_error_not_a_guess(cut: int) -> None:
    insert = next(p for p in payloads("insert") if p[:1] == b"I")
    with pytest.raises(ProtocolError):
        decode(insert[:cut])


@pytest.mark.parametrize(
    "payload",
    [b"", b"S" + struct.pack("!I", 1), b"I" + struct.pack("!I", 1) + b"X", b"Z"],
    ids=["empty", "stream-start", "bad-marker", "unknown-tag"],
)
def test_unknown_messages_are_refused(payload: bytes) -> None:
    with pytest.raises(ProtocolError) as raised:
        decode(payload)
    assert raised.value.code == "pgoutput_protocol_error" and not raised.value.retriable
