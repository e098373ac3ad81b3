"""From pgoutput messages, in stream (= commit) order, to :class:`Change` records.

Owns the meaning of each message for the hub:

* Positions are ``"<commit LSN>:<n>"``: the transaction's commit LSN (known from its Begin)
  and the change's index inside it. The commit LSN orders transactions as the server commits
  them, which a change's own WAL position does not (transactions interleave in the WAL), and
  the pair is the same every time the server re-sends the transaction, so event ids repeat.
  Transactions committed before the resume point (the server may re-send them when the slot
  was not confirmed as far as the runtime committed) are dropped: never re-read what was
  committed.
* Before values follow the table's replica identity: the full old row with ``FULL``; the
  identity (key) columns for deletes otherwise; none for updates that keep their key.
* An update that changes the record key becomes a delete of the old key and a create of the
  new one, so consumers keyed by record never keep a row that no longer exists.
* An unchanged TOASTed column (not sent by the server) is filled from the old row when the
  replica identity sent it, and otherwise left out of ``after`` and named in
  ``unchanged_toast``: never a placeholder presented as data.
* Of the outbox table (outbox mode, ``connectors.postgres.outbox``) only inserts are reported:
  its updates, deletes and truncates are the cleanup of rows already published.
* The end of each transaction is reported (:class:`TxEnd`) because only there may the slot be
  confirmed; the connector's own watermark messages are reported as :class:`SnapshotWatermark`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.postgres.errors import TableRenamed
from connectors.postgres.lsn import format_lsn
from connectors.postgres.pgoutput import (
    Begin,
    Commit,
    Delete,
    Insert,
    LogicalMessage,
    Message,
    ProtocolError,
    Relation,
    Truncate,
    Update,
    decode,
)
from connectors.postgres.rows import DecodedRow, RowDecoder
from connectors.postgres.tables import TableSpec
from connectors.source import Change
from schemas.events import Op


@dataclass(frozen=True)
class TxEnd:
    end_lsn: int  # confirm this once every change of the transaction is acknowledged


@dataclass(frozen=True)
class SnapshotWatermark:
    window_id: str
    mark: str  # "low" or "high"


StreamEvent = Change | TxEnd | SnapshotWatermark


@dataclass
class _Transaction:
    final_lsn: int
    xid: int
    commit_time: datetime
    changes: int = 0
    replayed: bool = False  # committed before the resume point: the server re-sent it


@dataclass
class ChangeStream:
    """Stateful: remembers the open transaction and, through ``rows``, each relation's shape."""

    rows: RowDecoder
    tables: dict[str, TableSpec]
    watermark_prefix: str
    resume_lsn: int = 0  # transactions whose commit precedes it were already committed
    outbox: str | None = None  # the outbox table: only its inserts are events
    _tx: _Transaction | None = field(default=None, init=False)

    def feed(self, payload: bytes) -> list[StreamEvent]:
        return self.handle(decode(payload))

    def handle(self, message: Message) -> list[StreamEvent]:
        if isinstance(message, Begin):
            replayed = message.final_lsn < self.resume_lsn
            self._tx = _Transaction(message.final_lsn, message.xid, message.commit_time, 0, replayed)
            return []
        if isinstance(message, Relation):
            self._check_not_renamed(message)
            self.rows.remember(message)
            return []
        if self._tx is not None and self._tx.replayed:
            if isinstance(message, Commit):
                self._tx = None
            return []
        if isinstance(message, Commit):
            self._tx = None
            return [TxEnd(message.end_lsn)]
        if isinstance(message, LogicalMessage):
            return self._watermark(message)
        if isinstance(message, Insert | Update | Delete | Truncate):
            return list(self._row_change(message))
        return []  # Type and Origin carry nothing the hub needs

    def _check_not_renamed(self, relation: Relation) -> None:
        """A captured table under a new name would otherwise be skipped without a word."""
        for spec in self.tables.values():
            if spec.oid == relation.oid and spec.name != relation.qualified_name:
                raise TableRenamed(
                    f"captured table {spec.name} is now {relation.qualified_name}; "
                    "update the connector's feeds",
                    details={"table": spec.name, "now": relation.qualified_name},
                )

    @property
    def in_transaction(self) -> bool:
        return self._tx is not None

    def _watermark(self, message: LogicalMessage) -> list[StreamEvent]:
        if message.prefix != self.watermark_prefix:
            return []
        body = json.loads(message.content)
        return [SnapshotWatermark(str(body["window"]), str(body["mark"]))]

    def _row_change(self, message: Insert | Update | Delete | Truncate) -> list[Change]:
        if isinstance(message, Truncate):
            return self._truncate(message)
        relation = self.rows.relation(message.relation_oid)
        spec = self.tables.get(relation.qualified_name)
        if spec is None or (spec.name == self.outbox and not isinstance(message, Insert)):
            return []  # a table no feed of ours wants, or the outbox's cleanup
        if isinstance(message, Insert):
            after = self.rows.decode(relation, message.new).values
            return [self._change(spec, Op.CREATE, spec.key_of(after), None, after)]
        if isinstance(message, Delete):
            before = self._old_row(relation, message.old, message.old_is_key_only)
            return [self._change(spec, Op.DELETE, spec.key_of(before), before, None, identity_row=before)]
        return self._update(relation, spec, message)

    def _update(self, relation: Relation, spec: TableSpec, message: Update) -> list[Change]:
        new = self.rows.decode(relation, message.new)
        full_old = message.old is not None and not message.old_is_key_only
        before = (
            self._old_row(relation, message.old, message.old_is_key_only) if message.old is not None else None
        )
        after, unchanged = _fill_unchanged(new, before if full_old else None)
        new_key = spec.key_of(after)
        old_key = spec.key_of(before) if before is not None else new_key
        if old_key != new_key:
            return [
                self._change(spec, Op.DELETE, old_key, before, None, identity_row=before),
                self._change(spec, Op.CREATE, new_key, None, after, unchanged),
            ]
        return [self._change(spec, Op.UPDATE, new_key, before if full_old else None, after, unchanged)]

    def _old_row(self, relation: Relation, old: Any, key_only: bool) -> dict[str, Any]:
        values = self.rows.decode(relation, old).values
        if not key_only:
            return values
        identity = {c.name for c in relation.columns if c.is_key}
        return {name: value for name, value in values.items() if name in identity}

    def _truncate(self, message: Truncate) -> list[Change]:
        changes = []
        for oid in message.relation_oids:
            spec = self.tables.get(self.rows.relation(oid).qualified_name)
            if spec is not None and spec.name != self.outbox:
                changes.append(self._change(spec, Op.TRUNCATE, {}, None, None))
        return changes

    def _change(
        self,
        spec: TableSpec,
        op: Op,
        key: dict[str, Any],
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        unchanged: tuple[str, ...] = (),
        identity_row: dict[str, Any] | None = None,
    ) -> Change:
        """``identity_row``: where the primary key is read, when not from ``after`` (a delete)."""
        tx = self._tx
        if tx is None:
            raise ProtocolError(f"{op.value} change on {spec.name} outside a transaction")
        position = f"{format_lsn(tx.final_lsn)}:{tx.changes}"
        tx.changes += 1
        return Change(
            table=spec.name, op=op, key=key, before=before, after=after, position=position,
            txid=str(tx.xid), commit_time=tx.commit_time, unchanged_toast=unchanged,
            identity=spec.identity_of(identity_row if identity_row is not None else after or {}),
        )  # fmt: skip


def _fill_unchanged(
    new: DecodedRow, full_before: dict[str, Any] | None
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The new row with unchanged TOAST values taken from the old row when it has them."""
    after = dict(new.values)
    missing = []
    for column in new.unchanged_toast:
        if full_before is not None and column in full_before:
            after[column] = full_before[column]
        else:
            missing.append(column)
    return after, tuple(missing)
