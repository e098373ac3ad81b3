from __future__ import annotations

from typing import Any

import pytest

from connectors import registry
from connectors.mapping.pipeline import MappedContractMissing, Mappers
from connectors.source import Change
from schemas.events import Op
from tests.connectors.mapping.khai_sinh import example_document, source_row


def _config(**feed_changes: Any) -> Any:
    document = example_document() | {"password": None}
    document["feeds"][0] |= feed_changes
    return registry.parse_config(document)


def test_a_feed_without_mapping_passes_changes_through_untouched() -> None:
    change = Change("public.khai_sinh", Op.CREATE, {"id": 1}, None, source_row(), "0/1")
    assert Mappers(_config(mapping=None))(change) is change


def test_an_outbox_change_keeps_the_shape_its_application_chose() -> None:
    change = Change("public.khai_sinh", Op.CREATE, {"id": 1}, None, {"x": 1}, "0/1", event_type="a.b.c.v1")
    assert Mappers(_config())(change) is change


def test_a_mapped_change_gets_the_contracts_key_and_unit() -> None:
    change = Change("public.khai_sinh", Op.CREATE, {"id": 1}, None, source_row(), "0/1")
    mapped = Mappers(_config())(change)
    assert mapped.key == {"commune_code": "00004", "book_no": "01/2026", "registration_no": 157}
    assert mapped.admin_unit == "00004" and mapped.after is not None and "id" not in mapped.after


def test_a_mapping_onto_an_unknown_contract_is_a_configuration_error() -> None:
    with pytest.raises(MappedContractMissing, match="register the contract first"):
        Mappers(_config(event_type="vn.gov.construction.building-permit.v1"))


def test_hashing_needs_the_connectors_salt() -> None:
    document = example_document() | {"password": None}
    document["feeds"][0]["mapping"]["fields"]["personal_id"] = {"column": "so_dinh_danh", "hash": "sha256"}
    with pytest.raises(registry.InvalidConnectorConfig):
        registry.parse_config(document)
    assert registry.parse_config(document | {"mapping_salt": "s3cret"}).mapping_salt is not None
