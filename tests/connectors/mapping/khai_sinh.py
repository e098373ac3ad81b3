"""The Ministry of Justice's ``khai_sinh`` table and its example mapping, shared by the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from connectors.mapping.checks import SourceType
from connectors.mapping.config import TableMapping

EXAMPLE = Path(__file__).parents[3] / "deploy" / "examples" / "connector-khai-sinh.yaml"

COLUMNS = {
    "id": SourceType.INTEGER,
    "ma_xa": SourceType.INTEGER,
    "quyen_so": SourceType.STRING,
    "so_dang_ky": SourceType.STRING,
    "ngay_dang_ky": SourceType.DATE,
    "so_dinh_danh": SourceType.STRING,
    "ho_ten": SourceType.STRING,
    "gioi_tinh": SourceType.INTEGER,
    "ngay_sinh": SourceType.STRING,
    "noi_sinh": SourceType.STRING,
    "dan_toc": SourceType.STRING,
    "quoc_tich": SourceType.STRING,
    "ho_ten_me": SourceType.STRING,
    "so_dinh_danh_me": SourceType.STRING,
    "ho_ten_cha": SourceType.STRING,
    "so_dinh_danh_cha": SourceType.STRING,
    "ghi_chu_noi_bo": SourceType.STRING,
    "nguoi_nhap": SourceType.STRING,
}


def example_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return document


def example_mapping() -> TableMapping:
    return TableMapping.model_validate(example_document()["feeds"][0]["mapping"])


def source_row(**changes: Any) -> dict[str, Any]:
    from datetime import date

    row = {
        "id": 1, "ma_xa": 4, "quyen_so": "01/2026", "so_dang_ky": "157", "ngay_dang_ky": date(2026, 11, 20),
        "so_dinh_danh": "001226001234", "ho_ten": "Trần Minh Khang", "gioi_tinh": 1,
        "ngay_sinh": "02/11/2026", "noi_sinh": "Bệnh viện Phụ sản Hà Nội", "dan_toc": "Kinh",
        "quoc_tich": "VN", "ho_ten_me": "Lê Thị Hoa", "so_dinh_danh_me": "001195004321",
        "ho_ten_cha": None, "so_dinh_danh_cha": None, "ghi_chu_noi_bo": "internal", "nguoi_nhap": "cb01",
    }  # fmt: skip
    return {**row, **changes}
