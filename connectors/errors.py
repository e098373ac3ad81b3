"""Errors every source kind raises with the same code: one class per code, whichever kind found it.

::

    SourceError
    └── SourceUnavailable    source_unavailable   the database failed a connection; retried
    ConfigurationError
    ├── SourceUnreachable    source_unreachable   registration could not connect at all
    ├── TableMissing         table_missing        a feed names a table the source lacks
    ├── ColumnMissing        column_missing       a table lacks a column the feed needs
    └── AdminUnitColumnMissing  admin_unit_column_missing  admin_unit_column names no column
"""

from __future__ import annotations

from schemas.errors import ConfigurationError, SourceError


class SourceUnavailable(SourceError):
    """The database failed a query or a connection; the runtime retries with backoff."""

    code = "source_unavailable"


class SourceUnreachable(ConfigurationError):
    """Registration could not connect at all: a wrong host, password or database."""

    code = "source_unreachable"


class TableMissing(ConfigurationError):
    """A feed names a table the source database does not have (or the role cannot see)."""

    code = "table_missing"


class ColumnMissing(ConfigurationError):
    """A table lacks a column its feed needs (a watermark, a key, an outbox column)."""

    code = "column_missing"


class AdminUnitColumnMissing(ConfigurationError):
    """A feed's ``admin_unit_column`` names no column of its table: routing by unit could never work."""

    code = "admin_unit_column_missing"


__all__ = [
    "AdminUnitColumnMissing",
    "ColumnMissing",
    "SourceUnavailable",
    "SourceUnreachable",
    "TableMissing",
]
