"""Split pre-merger communes: their candidate successors, also when the old code is a current code.

Phường Hàng Trống (00070, Hoàn Kiếm) was split between today's Phường Hoàn Kiếm, which kept the
code 00070, and Phường Cửa Nam (00082); Phường Cống Vị (00007, Ba Đình) between 00008 and 00025.
"""

from __future__ import annotations

import pytest

from schemas.admin_units import Normaliser


@pytest.mark.parametrize(
    ("code", "candidates"),
    [("00070", ("00070", "00082")), ("00007", ("00008", "00025")), ("00082", ()), ("01", ()), ("x", ())],
)
def test_split_candidates(units: Normaliser, code: str, candidates: tuple[str, ...]) -> None:
    assert units.split_candidates(code) == candidates


def test_a_split_code_that_is_also_current_still_reads_as_the_current_unit(units: Normaliser) -> None:
    current = units.resolve("00070").current
    assert current is not None and current.code == "00070"
