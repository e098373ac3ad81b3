"""Turning pgoutput tuples into Python rows with the same types a snapshot ``SELECT`` returns.

Values arrive from the plugin in PostgreSQL's text output format. They are parsed with
psycopg's own loaders, chosen by column type OID from the snapshot connection's adapters, so
a row read by the snapshot and the same row streamed later carry identical Python values
(Decimal, datetime, dict for jsonb...) and produce identical event payloads. Columns the server
did not send (unchanged TOAST) are reported by name and never given a value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from psycopg import pq
from psycopg.abc import AdaptContext
from psycopg.adapt import Transformer

from connectors.postgres.pgoutput import Column, ColumnKind, ProtocolError, Relation


@dataclass(frozen=True)
class DecodedRow:
    values: dict[str, Any]  # only the columns the server sent (NULLs included)
    unchanged_toast: tuple[str, ...]


class RowDecoder:
    """Knows each relation's latest shape (the server resends it after any DDL)."""

    def __init__(self, context: AdaptContext | None = None) -> None:
        self._transformer = Transformer(context)
        self._relations: dict[int, Relation] = {}
        self._loaders: dict[int, list[Callable[[bytes], Any]]] = {}

    def remember(self, relation: Relation) -> None:
        self._relations[relation.oid] = relation
        self._loaders[relation.oid] = [
            self._transformer.get_loader(c.type_oid, pq.Format.TEXT).load for c in relation.columns
        ]

    def relation(self, oid: int) -> Relation:
        try:
            return self._relations[oid]
        except KeyError:
            raise ProtocolError(f"change for relation {oid} before its Relation message") from None

    def decode(self, relation: Relation, columns: tuple[Column, ...]) -> DecodedRow:
        if len(columns) != len(relation.columns):
            raise ProtocolError(
                f"{relation.qualified_name}: tuple has {len(columns)} columns, relation has "
                f"{len(relation.columns)}"
            )
        values: dict[str, Any] = {}
        unchanged: list[str] = []
        loaders = self._loaders[relation.oid]
        for meta, column, load in zip(relation.columns, columns, loaders, strict=True):
            if column.kind is ColumnKind.TEXT and column.data is not None:
                values[meta.name] = load(column.data)
            elif column.kind is ColumnKind.NULL:
                values[meta.name] = None
            elif column.kind is ColumnKind.UNCHANGED_TOAST:
                unchanged.append(meta.name)
            else:
                raise ProtocolError(f"{relation.qualified_name}.{meta.name}: binary column not asked")
        return DecodedRow(values, tuple(unchanged))
