"""The contract file format: what makes a document a contract, and the code of each refusal."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from schemas.contracts.document import InvalidContract, contract_version, numbered, parse_contract
from schemas.contracts.normal_form import InvalidSchema
from schemas.feeds import all_feeds

EXAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "examples" / "contract-building-permit.json"


def example() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return document


def codes(document: Any) -> set[str]:
    with pytest.raises(InvalidContract) as info:
        parse_contract(document)
    assert info.value.code == "invalid_contract" and info.value.status == 422
    return {item["code"] for item in info.value.details}


def test_the_example_contract_reads_as_a_new_feed() -> None:
    contract = parse_contract(example())
    assert contract.event_type == "vn.gov.construction.building-permit.v1"
    assert (contract.version, contract.key_fields, contract.admin_unit_field) == (
        1,
        ("permit_no",),
        "commune_code",
    )
    assert contract.title == "Building permits"
    assert set(contract.sensitivity().values()) == {"public", "personal", "sensitive"}


@pytest.mark.parametrize("spec", all_feeds(), ids=lambda s: s.event_type)
def test_every_builtin_contract_is_in_the_format(spec: Any) -> None:
    assert parse_contract(spec.schema).event_type == spec.event_type


def edited(change: Any) -> dict[str, Any]:
    document = copy.deepcopy(example())
    change(document)
    return document


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda d: d.pop("x-event-type"), "missing_event_type"),
        (lambda d: d.update({"x-event-type": "gov.construction.permit"}), "invalid_event_type"),
        (lambda d: d.pop("title"), "missing_title"),
        (
            lambda d: d.update({"$id": "urn:vn-gov-hub:contract:vn.gov.other.thing.v1:v1"}),
            "invalid_contract_id",
        ),
        (lambda d: d.update({"$id": "https://example.org/permit.json"}), "invalid_contract_id"),
        (lambda d: d.update({"$schema": "http://json-schema.org/draft-07/schema#"}), "unsupported_draft"),
        (lambda d: d.pop("additionalProperties"), "open_contract"),
        (lambda d: d.update({"properties": {}}), "missing_properties"),
        (lambda d: d["properties"]["floors"].pop("description"), "missing_description"),
        (lambda d: d["properties"]["floors"].update({"description": "  "}), "missing_description"),
        (lambda d: d["properties"]["floors"].pop("x-sensitivity"), "missing_sensitivity"),
        (lambda d: d["properties"]["floors"].update({"x-sensitivity": "secret"}), "unknown_sensitivity"),
        (lambda d: d["required"].append("storeys"), "unknown_required_field"),
        (lambda d: d.pop("x-key-fields"), "missing_key_fields"),
        (lambda d: d.update({"x-key-fields": []}), "missing_key_fields"),
        (lambda d: d.update({"x-key-fields": ["permit_no", "permit_no"]}), "duplicate_key_field"),
        (lambda d: d.update({"x-key-fields": ["permit_number"]}), "unknown_key_field"),
        (lambda d: d.update({"x-key-fields": ["expiry_date"]}), "optional_key_field"),
        (lambda d: d.pop("x-admin-unit-field"), "missing_admin_unit_field"),
        (lambda d: d.update({"x-admin-unit-field": "commune"}), "unknown_admin_unit_field"),
        (lambda d: d.update({"x-admin-unit-field": "floors"}), "non_string_admin_unit_field"),
    ],
)
def test_each_problem_has_its_own_code(change: Any, code: str) -> None:
    assert codes(edited(change)) == {code}


def test_a_key_field_must_be_a_scalar() -> None:
    def change(d: dict[str, Any]) -> None:
        d["properties"]["parts"] = {"type": "array", "description": "parts", "x-sensitivity": "public"}
        d["required"].append("parts")
        d["x-key-fields"] = ["parts"]

    assert codes(edited(change)) == {"non_scalar_key_field"}


def test_every_problem_is_listed_at_once_with_its_pointer() -> None:
    def change(d: dict[str, Any]) -> None:
        d["properties"]["floors"].pop("description")
        d["properties"]["site_address"].pop("x-sensitivity")
        d["x-admin-unit-field"] = "nowhere"

    with pytest.raises(InvalidContract) as info:
        parse_contract(edited(change))
    paths = {item["path"] for item in info.value.details}
    assert paths == {
        "/properties/floors/description",
        "/properties/site_address/x-sensitivity",
        "/x-admin-unit-field",
    }
    assert "missing_description at /properties/floors/description" in info.value.message


def test_not_a_json_schema_or_not_an_object_is_refused_first() -> None:
    assert codes([1, 2]) == {"not_an_object"}
    with pytest.raises(InvalidSchema):
        parse_contract({**example(), "type": "no-such-type"})


def test_the_id_is_optional_and_the_registry_numbers_it() -> None:
    document = example()
    del document["$id"]
    assert parse_contract(document).version is None
    assert contract_version(numbered(document, 4)) == 4
    assert numbered(document, 4)["$id"] == "urn:vn-gov-hub:contract:vn.gov.construction.building-permit.v1:v4"
