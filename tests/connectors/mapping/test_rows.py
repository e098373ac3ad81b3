from __future__ import annotations

import pytest

from connectors.mapping.contract import ContractShape
from connectors.mapping.lookup import contract_schema
from connectors.mapping.rows import MappingKeyMissing, TableMapper
from connectors.source import Change
from schemas.events import Op
from tests.connectors.mapping.khai_sinh import example_mapping, source_row

BIRTH = "vn.gov.civil-status.birth.v1"


@pytest.fixture
def mapper() -> TableMapper:
    schema = contract_schema(BIRTH)
    assert schema is not None
    return TableMapper(example_mapping(), ContractShape.of(BIRTH, schema))


def test_a_row_becomes_the_contracts_fields_and_internal_columns_are_dropped(mapper: TableMapper) -> None:
    mapped = mapper.row(source_row())
    assert mapped["commune_code"] == "00004"
    assert mapped["sex"] == "male"
    assert mapped["date_of_birth"] == "2026-11-02"
    assert mapped["registration_no"] == 157
    assert "ghi_chu_noi_bo" not in mapped and "id" not in mapped
    assert mapper.dropped(source_row()) == ["ghi_chu_noi_bo", "id", "nguoi_nhap"]


def test_the_key_and_admin_unit_come_from_the_contract(mapper: TableMapper) -> None:
    change = Change("public.khai_sinh", Op.CREATE, {"id": 1}, None, source_row(), "0/1")
    mapped = mapper.change(change)
    assert mapped.key == {"commune_code": "00004", "book_no": "01/2026", "registration_no": 157}
    assert mapped.admin_unit == "00004"


def test_a_partial_delete_image_without_the_key_is_refused_with_the_fix(mapper: TableMapper) -> None:
    change = Change("public.khai_sinh", Op.DELETE, {"id": 1}, {"id": 1}, None, "0/2")
    with pytest.raises(MappingKeyMissing, match="REPLICA IDENTITY FULL"):
        mapper.change(change)


def test_a_full_delete_image_is_mapped(mapper: TableMapper) -> None:
    change = Change("public.khai_sinh", Op.DELETE, {"id": 1}, source_row(), None, "0/3")
    assert mapper.change(change).before == mapper.row(source_row(), full=False)
