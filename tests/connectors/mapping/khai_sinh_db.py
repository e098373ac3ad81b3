"""The ``public.khai_sinh`` table as a ministry has it, created in a test database."""

from __future__ import annotations

import psycopg

TABLE = "public.khai_sinh"
DDL = """
CREATE TABLE khai_sinh (
  id serial PRIMARY KEY,
  ma_xa integer NOT NULL,
  quyen_so varchar(20) NOT NULL,
  so_dang_ky varchar(10) NOT NULL,
  ngay_dang_ky date NOT NULL,
  so_dinh_danh varchar(12) NOT NULL,
  ho_ten text NOT NULL,
  gioi_tinh smallint NOT NULL,
  ngay_sinh text NOT NULL,
  noi_sinh text NOT NULL,
  dan_toc text NOT NULL,
  quoc_tich char(2) NOT NULL DEFAULT 'VN',
  ho_ten_me text, so_dinh_danh_me varchar(12), ho_ten_cha text, so_dinh_danh_cha varchar(12),
  ghi_chu_noi_bo text, nguoi_nhap text, ngay_tao timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE khai_sinh REPLICA IDENTITY FULL;
"""
INSERT = """
INSERT INTO khai_sinh (ma_xa, quyen_so, so_dang_ky, ngay_dang_ky, so_dinh_danh, ho_ten, gioi_tinh, ngay_sinh,
  noi_sinh, dan_toc, ho_ten_me, so_dinh_danh_me, ghi_chu_noi_bo, nguoi_nhap)
VALUES (4, '01/2026', %s, '2026-11-20', %s, %s, %s, %s, 'Bệnh viện Phụ sản Hà Nội', 'Kinh', 'Lê Thị Hoa',
  '001195004321', 'hồ sơ nội bộ', 'cb01')
"""
GOOD = [("157", "001226001234", "Trần Minh Khang", 1, "02/11/2026"),
        ("158", "001226001235", "Nguyễn Thu Hà", 2, "05/11/2026")]  # fmt: skip
BAD = ("159", "001226001236", "Phạm Văn Bình", 1, "2026-11-07")  # not dd/mm/yyyy


def create(dsn: str, *, bad: bool = True) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(DDL)
        for row in [*GOOD, *([BAD] if bad else [])]:
            conn.execute(INSERT, row)


def insert(dsn: str, row: tuple[str, str, str, int, str]) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(INSERT, row)
