"""Version files: the shipped name, the format's checks, and the join of the converter to both tables."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from schemas.admin_units import (
    SHIPPED_VERSION,
    default_normaliser,
    extend,
    parse_units_file,
    shipped_units,
    version_order,
)
from schemas.errors import InvalidUnitsFile
from tests.fixtures.admin_units.build import MERGE_FILE, merge_version, render
from tests.fixtures.admin_units.versions import edited, merge_document, merge_file


def test_the_shipped_dataset_is_version_2025_07() -> None:
    assert SHIPPED_VERSION == "2025.07"
    assert default_normaliser().version == shipped_units().version == "2025.07"


def test_the_committed_fixture_is_what_the_builder_makes() -> None:
    assert MERGE_FILE.read_text(encoding="utf-8") == render(merge_version())


def test_versions_sort_as_numbers() -> None:
    assert version_order("2026.10") > version_order("2026.09.1") > version_order("2026.09")
    with pytest.raises(InvalidUnitsFile):
        version_order("latest")


def test_a_well_formed_file_parses_with_a_stable_digest() -> None:
    parsed = merge_file()
    assert (parsed.content.version, parsed.content.parent) == ("2026.01", "2025.07")
    assert parsed.digest == parse_units_file(edited()).digest  # key order and spacing do not count
    assert parsed.digest != parse_units_file(edited(description="other")).digest


def test_the_step_maps_every_parent_unit() -> None:
    step = extend(shipped_units(), merge_file()).steps[-1]
    assert step.successors["01849"] == step.successors["01864"] == ("00700",)
    assert step.successors["00097"] == ("00097",)  # not named: same code
    assert len(step.successors) == 3321 and len(step.province_successors) == 34


MERGED_KEYS = ["tinhthainguyen_xaphongquang", "tinhthainguyen_xabangthanh"]


def _rows_without(code: str) -> dict[str, Any]:
    table: dict[str, Any] = copy.deepcopy(merge_document()["admin_units"])
    column = table["columns"].index("wardCode")
    table["rows"] = [row for row in table["rows"] if row[column] != code]
    return table


def _converter(wards: dict[str, Any]) -> dict[str, Any]:
    return {"DICT_PROVINCE": {}, "DICT_PROVINCE_WARD_NO_DIVIDED": wards, "DICT_PROVINCE_WARD_DIVIDED": {}}


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"{not json", "not JSON"),
        (b"[" * 200_000, "not JSON"),
        (b"[]", "not in the format"),
        (edited(format="other/1"), "format"),
        (edited(version="latest"), "version"),
        (edited(parent=None), "parent"),
        (edited(extra=1), "extra"),
        (edited(admin_units={"columns": ["province"], "rows": []}), "columns must be exactly"),
        (b"x" * 1_000_001, "at most"),
    ],
)
def test_a_malformed_file_is_refused_with_the_reason(raw: bytes, says: str) -> None:
    with pytest.raises(InvalidUnitsFile, match=says) as caught:
        parse_units_file(raw)
    assert caught.value.code == "invalid_units_file"


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        (
            {"admin_units": _rows_without("00004")},
            r"communes \['00004'\] of 2025.07 are not in the new table",
        ),
        (
            {"converter": _converter({"tinhtuyenquang": {"xanowhere": ["tinhthainguyen_xaphongquang"]}})},
            "xanowhere",
        ),
        ({"converter": _converter({"tinhtuyenquang": {"xangocduong": ["tinhthainguyen_xanone"]}})}, "xanone"),
        (
            {
                "converter": _converter(
                    {"tinhtuyenquang": {"xangocduong": [*MERGED_KEYS, "thanhphohanoi_phuonghongha"]}}
                )
            },
            "stay in the new table but the converter sends them elsewhere",
        ),
        (
            {
                "converter": _converter(
                    {
                        "tinhtuyenquang": {
                            "xangocduong": ["tinhthainguyen_xaphongquang", "tinhthainguyen_xaphongquang"]
                        }
                    }
                )
            },
            "named twice",
        ),
        ({"version": "2025.06"}, "does not sort after its parent"),
    ],
)
def test_a_file_that_does_not_fit_its_parent_is_refused(changes: dict[str, Any], says: str) -> None:
    with pytest.raises(InvalidUnitsFile, match=says):
        extend(shipped_units(), parse_units_file(edited(**changes)))


def test_a_row_with_a_bad_code_is_refused() -> None:
    table = copy.deepcopy(merge_document()["admin_units"])
    table["rows"][0][table["columns"].index("wardCode")] = "97"
    with pytest.raises(InvalidUnitsFile, match="'97' is not 5 digits"):
        extend(shipped_units(), parse_units_file(edited(admin_units=table)))
