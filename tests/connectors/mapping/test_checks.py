from __future__ import annotations

from typing import Any

import pytest

from connectors.mapping.checks import (
    EnumNotCovered,
    MappingRefused,
    MissingField,
    SourceType,
    TypeMismatch,
    UnknownColumn,
    UnknownField,
    ValueNotInEnum,
    check_mapping,
)
from connectors.mapping.config import TableMapping
from connectors.mapping.pipeline import shape_of
from tests.connectors.mapping.khai_sinh import COLUMNS, example_mapping

BIRTH = shape_of("vn.gov.civil-status.birth.v1")


def _with(**fields: Any) -> TableMapping:
    base = example_mapping().model_dump(exclude_none=True)["fields"]
    return TableMapping.model_validate({"fields": {**base, **fields}})


def _check(mapping: TableMapping, **columns: SourceType) -> None:
    check_mapping("public.khai_sinh", mapping, {**COLUMNS, **columns}, BIRTH)


def test_the_example_mapping_fits_the_table_and_the_contract() -> None:
    _check(example_mapping())


@pytest.mark.parametrize(
    ("fields", "columns", "error", "fix"),
    [
        ({"full_name": "ten"}, {}, UnknownColumn, "has no column"),
        ({"nickname": "ho_ten"}, {}, UnknownField, "has no field"),
        ({"registration_no": "so_dang_ky"}, {}, TypeMismatch, "cast: integer"),
        ({"date_of_birth": "ngay_sinh"}, {}, TypeMismatch, "date_format"),
        ({"commune_code": "ma_xa"}, {}, TypeMismatch, "pad: N"),
        ({"sex": {"column": "gioi_tinh", "values": {1: "male", 2: "f"}}}, {}, ValueNotInEnum, "fix the map"),
        ({"sex": {"column": "gioi_tinh", "values": {1: "male"}}}, {}, EnumNotCovered, "female"),
    ],
)  # fmt: skip
def test_a_wrong_mapping_is_refused_naming_the_fix(
    fields: dict[str, Any], columns: dict[str, SourceType], error: type[MappingRefused], fix: str
) -> None:
    with pytest.raises(error, match=fix):
        _check(_with(**fields), **columns)


def test_a_missing_required_field_is_named() -> None:
    fields = example_mapping().model_dump(exclude_none=True)["fields"]
    del fields["ethnicity"]
    with pytest.raises(MissingField, match="ethnicity") as caught:
        _check(TableMapping.model_validate({"fields": fields}))
    assert caught.value.code == "mapping_missing_field"


def test_a_text_commune_column_padded_and_a_date_column_fit() -> None:
    _check(
        _with(date_of_birth={"column": "ngay_sinh_d"}), ngay_sinh_d=SourceType.DATE, ma_xa=SourceType.STRING
    )
