"""The incremental queries, in SQLAlchemy Core so one text serves every dialect.

Rows are read in ``(updated_at, key...)`` order, strictly after the last watermark, up to a
cutoff, at most ``limit`` at a time. "Strictly after" is the expanded row comparison
``ts > :ts OR (ts = :ts AND k1 > :k1) OR ...`` rather than a row-value ``>`` so that databases
without row values accept it, and it is guarded by ``ts >= :ts`` so an index on
``(updated_at, key)`` serves the range. Values are bound through the columns' own types, so
each dialect formats timestamps as it stores them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Select, Table, and_, false, or_, select

from connectors.polling.watermark import Watermark


def strictly_after(columns: Sequence[ColumnElement[Any]], values: Sequence[Any]) -> ColumnElement[bool]:
    """``tuple(columns) > tuple(values)`` in lexicographic order, spelled for any SQL dialect."""
    alternatives = []
    for i, column in enumerate(columns):
        equal_prefix = [c == v for c, v in zip(columns[:i], values[:i], strict=True)]
        alternatives.append(and_(*equal_prefix, column > values[i]))
    if not alternatives:
        return false()
    return and_(columns[0] >= values[0], or_(*alternatives))


def changes_query(
    table: Table,
    order: Sequence[ColumnElement[Any]],
    *,
    after: Watermark | None,
    cutoff: datetime | None,
    limit: int,
) -> Select[Any]:
    """The next ``limit`` rows after ``after``, stamped no later than ``cutoff``, in order."""
    updated_at = order[0]
    conditions: list[ColumnElement[bool]] = [updated_at.is_not(None)]
    if after is not None:
        conditions.append(strictly_after(order, (after.updated_at, *after.key)))
    if cutoff is not None:
        conditions.append(updated_at <= cutoff)
    return select(table).where(*conditions).order_by(*order).limit(limit)


def outbox_query(
    table: Table,
    order: Sequence[ColumnElement[Any]],
    *,
    published: ColumnElement[Any] | None,
    limit: int,
) -> Select[Any]:
    """The oldest ``limit`` outbox rows not yet cleaned up (deleted rows are simply gone)."""
    query = select(table).order_by(*order).limit(limit)
    if published is not None:
        query = query.where(unpublished(published))
    return query


def unpublished(column: ColumnElement[Any]) -> ColumnElement[bool]:
    """Not yet marked: NULL, or false for a flag column."""
    if isinstance(column.type, Boolean):
        return or_(column.is_(None), column.is_(false()))
    return column.is_(None)


__all__ = ["changes_query", "outbox_query", "strictly_after", "unpublished"]
