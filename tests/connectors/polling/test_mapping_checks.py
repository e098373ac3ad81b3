"""sql_polling's apply check of a mapping, on a SQLite file (no server): the reflected column
types decide what a rule must cast, and the admin-unit column must exist."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from connectors import registry
from connectors.polling.validation import check_config
from schemas.errors import ConfigurationError
from tests.connectors.mapping.khai_sinh import example_document

DDL = """
CREATE TABLE khai_sinh (id INTEGER PRIMARY KEY, ma_xa INTEGER, quyen_so VARCHAR(20), so_dang_ky VARCHAR(10),
  ngay_dang_ky DATE, so_dinh_danh VARCHAR(12), ho_ten TEXT, gioi_tinh SMALLINT, ngay_sinh TEXT, noi_sinh TEXT,
  dan_toc TEXT, quoc_tich VARCHAR(2), ho_ten_me TEXT, so_dinh_danh_me VARCHAR(12), ho_ten_cha TEXT,
  so_dinh_danh_cha VARCHAR(12), ghi_chu_noi_bo TEXT, updated_at TIMESTAMP)
"""


@pytest.fixture
def url(tmp_path: Path) -> str:
    path = tmp_path / "ho_tich.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(DDL)
    return f"sqlite:///{path}"


def _check(url: str, **feed_changes: Any) -> None:
    feed = example_document()["feeds"][0]
    feed["table"] = "main.khai_sinh"
    document = {"name": "ho-tich", "kind": "sql_polling", "url": url, "feeds": [feed | feed_changes]}
    check_config(registry.parse_config(document))  # type: ignore[arg-type]


def test_the_example_mapping_passes_on_the_polled_table(url: str) -> None:
    _check(url)


def test_a_text_column_into_an_integer_field_is_refused_until_cast(url: str) -> None:
    mapping = example_document()["feeds"][0]["mapping"]
    mapping["fields"]["registration_no"] = "so_dang_ky"
    with pytest.raises(ConfigurationError) as caught:
        _check(url, mapping=mapping)
    assert caught.value.code == "mapping_type_mismatch" and "cast: integer" in caught.value.message


def test_an_admin_unit_column_the_table_lacks_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        _check(url, admin_unit_column="ma_phuong")
    assert caught.value.code == "admin_unit_column_missing"
