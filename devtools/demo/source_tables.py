"""The demo's source tables: how each feed is stored in its ministry's database.

Most feeds get a table shaped like their contract (``ContractTable``: columns named and typed
as the contract's fields, primary key = the contract's key). The Ministry of Justice's birth
registrations are stored as the ministry really keeps them (``KhaiSinhTable``): Vietnamese
column names, an internal ``id`` primary key, the commune as an integer, sex as a smallint
code, the date of birth as ``dd/mm/yyyy`` text and internal columns that must never leave the
ministry. That table reaches the shared contract through the declarative mapping of
``deploy/examples/connector-khai-sinh.yaml``, the same file the README shows.

Every table keeps PostgreSQL's default ``REPLICA IDENTITY`` (the primary key): a delete carries
only the key, and the connector's record memory supplies the unit it must be routed by.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Protocol

import yaml
from psycopg import sql

from schemas.feeds import FeedSpec

KHAI_SINH_EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "examples" / "connector-khai-sinh.yaml"
_SQL_TYPES = {"integer": "bigint", "number": "double precision", "boolean": "boolean", "string": "text"}
_SQL_FORMATS = {"date": "date", "date-time": "timestamptz"}


class SourceTable(Protocol):
    """One feed's table in a ministry database, and how the demo writes to it."""

    spec: FeedSpec
    name: str  # "schema.table"

    def create_sql(self) -> sql.SQL | sql.Composed: ...

    def source_row(self, record: dict[str, Any]) -> dict[str, Any]:
        """The row to insert for a record in the contract's shape."""
        ...

    def source_key(self, row: dict[str, Any]) -> dict[str, Any]:
        """The columns that identify an inserted row (the WHERE clause of its updates)."""
        ...

    def column(self, field: str) -> str:
        """The column holding a contract field."""
        ...

    def source_value(self, field: str, value: Any) -> Any:
        """A contract field's value as that column stores it."""
        ...

    def feed_config(self) -> dict[str, Any]:
        """This table's entry in the connector's ``feeds``."""
        ...


def column_type(prop: dict[str, Any]) -> str:
    options = prop.get("anyOf", [prop])
    kinds = [o for o in options if o.get("type") != "null"]
    first = dict(kinds[0]) if kinds else {"type": "string"}
    if isinstance(first.get("type"), list):  # nullable: ["string", "null"]
        first["type"] = next((t for t in first["type"] if t != "null"), "string")
    if "format" in first and first["format"] in _SQL_FORMATS:
        return _SQL_FORMATS[first["format"]]
    if "enum" in first or "const" in first:
        values = [v for v in first.get("enum", [first.get("const")]) if v is not None]
        return "bigint" if all(isinstance(v, int) for v in values) else "text"
    return _SQL_TYPES.get(str(first.get("type")), "text")


def _identifier(name: str) -> sql.Identifier:
    return sql.Identifier(*name.split(".", 1))


class ContractTable:
    """A table shaped like its feed's contract: public.<entity>, primary key = the contract's key."""

    def __init__(self, spec: FeedSpec) -> None:
        self.spec = spec
        self.name = f"public.{spec.entity.replace('-', '_')}"

    def create_sql(self) -> sql.SQL | sql.Composed:
        schema = self.spec.schema
        required = set(schema.get("required", []))
        columns = [
            sql.SQL("{} {}{}").format(
                sql.Identifier(name),
                sql.SQL(column_type(prop)),
                sql.SQL(" NOT NULL" if name in required else ""),
            )
            for name, prop in schema["properties"].items()
        ]
        key = sql.SQL(", ").join(sql.Identifier(k) for k in self.spec.key_fields)
        return sql.SQL("CREATE TABLE {} ({}, PRIMARY KEY ({}))").format(
            _identifier(self.name), sql.SQL(", ").join(columns), key
        )

    def source_row(self, record: dict[str, Any]) -> dict[str, Any]:
        return record

    def source_key(self, row: dict[str, Any]) -> dict[str, Any]:
        return {k: row[k] for k in self.spec.key_fields}

    def column(self, field: str) -> str:
        return field

    def source_value(self, field: str, value: Any) -> Any:
        return value

    def feed_config(self) -> dict[str, Any]:
        return {
            "table": self.name,
            "event_type": self.spec.event_type,
            "admin_unit_column": self.spec.admin_unit_field,
        }


_SEX_CODES = {"male": 1, "female": 2}
_KHAI_SINH_DDL = """
CREATE TABLE public.khai_sinh (
    id               bigserial PRIMARY KEY,
    ma_xa            integer     NOT NULL,
    quyen_so         varchar(20) NOT NULL,
    so_dang_ky       varchar(10) NOT NULL,
    ngay_dang_ky     date        NOT NULL,
    so_dinh_danh     char(12)    NOT NULL,
    ho_ten           varchar(100) NOT NULL,
    gioi_tinh        smallint    NOT NULL,
    ngay_sinh        varchar(10) NOT NULL,
    noi_sinh         text        NOT NULL,
    dan_toc          varchar(50) NOT NULL,
    quoc_tich        char(2)     NOT NULL DEFAULT 'VN',
    ho_ten_me        varchar(100),
    so_dinh_danh_me  char(12),
    ho_ten_cha       varchar(100),
    so_dinh_danh_cha char(12),
    ghi_chu_noi_bo   text,
    nguoi_nhap       varchar(50) NOT NULL DEFAULT 'can_bo_tu_phap',
    UNIQUE (ma_xa, quyen_so, so_dang_ky)
)
"""


class KhaiSinhTable:
    """The Ministry of Justice's own birth-registration table, mapped onto the birth contract."""

    def __init__(self, spec: FeedSpec) -> None:
        self.spec = spec
        document = yaml.safe_load(KHAI_SINH_EXAMPLE.read_text(encoding="utf-8"))
        (self._feed,) = document["feeds"]
        self.name = str(self._feed["table"])
        fields = self._feed["mapping"]["fields"]
        self._columns = {
            name: rule if isinstance(rule, str) else rule.get("column") for name, rule in fields.items()
        }

    def create_sql(self) -> sql.SQL | sql.Composed:
        return sql.SQL(_KHAI_SINH_DDL)

    def source_row(self, record: dict[str, Any]) -> dict[str, Any]:
        row = {self._columns[name]: self.source_value(name, value) for name, value in record.items()}
        row.pop(None, None)  # contract fields the ministry does not store (constants)
        row["ghi_chu_noi_bo"] = "hồ sơ giấy lưu tại UBND xã"  # internal: never leaves the ministry
        return row

    def source_key(self, row: dict[str, Any]) -> dict[str, Any]:
        return {"ma_xa": row["ma_xa"], "quyen_so": row["quyen_so"], "so_dang_ky": row["so_dang_ky"]}

    def column(self, field: str) -> str:
        column = self._columns.get(field)
        if column is None:
            raise KeyError(f"{self.name} stores no column for {field}")
        return column

    def source_value(self, field: str, value: Any) -> Any:
        if value is None:
            return None
        if field == "commune_code":
            return int(value)
        if field == "registration_no":
            return str(value)
        if field == "sex":
            return _SEX_CODES[value]
        if field == "date_of_birth" and isinstance(value, date):
            return value.strftime("%d/%m/%Y")
        return value

    def feed_config(self) -> dict[str, Any]:
        return dict(self._feed)


def source_table(spec: FeedSpec) -> SourceTable:
    """The demo's table for a feed: births as the ministry keeps them, the rest contract-shaped."""
    if spec.event_type == "vn.gov.civil-status.birth.v1":
        return KhaiSinhTable(spec)
    return ContractTable(spec)


__all__ = ["ContractTable", "KhaiSinhTable", "SourceTable", "column_type", "source_table"]
