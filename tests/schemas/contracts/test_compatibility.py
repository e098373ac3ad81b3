"""Named compatibility cases: each change a publisher is likely to make, and its verdict per mode."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from schemas.contracts.compatibility import Incompatibility, Mode, check, check_schema
from schemas.errors import InvalidInput

BASE: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["parcel_no", "area_m2", "purpose"],
    "properties": {
        "parcel_no": {"type": "integer", "minimum": 1},
        "area_m2": {"type": "number", "exclusiveMinimum": 0},
        "purpose": {"type": "string", "enum": ["ONT", "ODT", "LUC"]},
        "address": {"type": "string", "maxLength": 300},
        "holder": {
            "type": "object",
            "additionalProperties": False,
            "required": ["citizen_id"],
            "properties": {
                "citizen_id": {"type": "string", "pattern": "^[0-9]{12}$"},
                "name": {"type": ["string", "null"]},
            },
        },
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 20}},
    },
}


def changed(edit: Any) -> dict[str, Any]:
    schema = copy.deepcopy(BASE)
    edit(schema)
    return schema


def rules(
    candidate: dict[str, Any], mode: Mode, history: list[dict[str, Any]] | None = None
) -> set[tuple[str, str]]:
    versions = list(enumerate(history or [BASE], start=1))
    return {(i.path, i.rule) for i in check(candidate, versions, mode)}


def props(schema: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = schema["properties"]
    return result


def test_identical_schema_is_compatible_in_every_mode() -> None:
    for mode in Mode:
        assert check(copy.deepcopy(BASE), [(1, BASE)], mode) == []


def test_add_optional_field_is_backward_but_not_forward_for_a_closed_schema() -> None:
    new = changed(lambda s: props(s).update(note={"type": "string"}))
    assert rules(new, Mode.BACKWARD) == set()
    assert rules(new, Mode.FORWARD) == {("/properties/note", "field_added")}
    assert rules(new, Mode.FULL) == {("/properties/note", "field_added")}


def test_add_required_field_breaks_backward() -> None:
    def edit(s: dict[str, Any]) -> None:
        props(s)["note"] = {"type": "string"}
        s["required"].append("note")

    assert ("/properties/note", "required_field_added") in rules(changed(edit), Mode.BACKWARD)


def test_remove_required_field_breaks_forward_and_names_the_field() -> None:
    def edit(s: dict[str, Any]) -> None:
        del props(s)["area_m2"]
        s["required"].remove("area_m2")

    assert rules(changed(edit), Mode.FORWARD) == {("/properties/area_m2", "field_removed")}
    # the new (closed) schema also rejects old data that carries the field
    assert rules(changed(edit), Mode.BACKWARD) == {("/properties/area_m2", "field_removed")}


def test_make_field_optional_is_backward_compatible_only() -> None:
    new = changed(lambda s: s["required"].remove("area_m2"))
    assert rules(new, Mode.BACKWARD) == set()
    assert rules(new, Mode.FORWARD) == {("/properties/area_m2", "field_made_optional")}


def test_narrow_number_to_integer() -> None:
    new = changed(lambda s: props(s)["area_m2"].update(type="integer"))
    assert rules(new, Mode.BACKWARD) == {("/properties/area_m2", "type_narrowed")}
    assert rules(new, Mode.FORWARD) == set()


def test_widen_integer_to_number() -> None:
    new = changed(lambda s: props(s)["parcel_no"].update(type="number"))
    assert rules(new, Mode.BACKWARD) == set()
    assert rules(new, Mode.FORWARD) == {("/properties/parcel_no", "type_widened")}


def test_unrelated_type_change_is_type_changed_both_ways() -> None:
    new = changed(lambda s: props(s)["parcel_no"].update(type="string"))
    assert ("/properties/parcel_no", "type_changed") in rules(new, Mode.BACKWARD)
    assert ("/properties/parcel_no", "type_changed") in rules(new, Mode.FORWARD)


def test_nullable_removed_is_a_narrowing() -> None:
    new = changed(lambda s: props(s)["holder"]["properties"]["name"].update(type="string"))
    assert rules(new, Mode.BACKWARD) == {("/properties/holder/properties/name", "type_narrowed")}


def test_enum_value_removed_and_added() -> None:
    removed = changed(lambda s: props(s)["purpose"]["enum"].remove("LUC"))
    assert rules(removed, Mode.BACKWARD) == {("/properties/purpose", "enum_value_removed")}
    assert rules(removed, Mode.FORWARD) == set()
    added = changed(lambda s: props(s)["purpose"]["enum"].append("CLN"))
    assert rules(added, Mode.BACKWARD) == set()
    assert rules(added, Mode.FORWARD) == {("/properties/purpose", "enum_value_added")}


def test_enum_introduced_on_a_free_string() -> None:
    new = changed(lambda s: props(s)["address"].update(enum=["a", "b"]))
    assert rules(new, Mode.BACKWARD) == {("/properties/address", "enum_added")}
    assert rules(new, Mode.FORWARD) == set()


def test_string_constraints_tightened() -> None:
    new = changed(lambda s: props(s)["address"].update(maxLength=100, minLength=2, format="email"))
    assert rules(new, Mode.BACKWARD) == {
        ("/properties/address", "max_length_tightened"),
        ("/properties/address", "min_length_tightened"),
        ("/properties/address", "format_added"),
    }
    assert rules(new, Mode.FORWARD) == set()


def test_pattern_changed_breaks_both_directions() -> None:
    new = changed(lambda s: props(s)["holder"]["properties"]["citizen_id"].update(pattern="^[0-9]{9,12}$"))
    expected = {("/properties/holder/properties/citizen_id", "pattern_changed")}
    assert rules(new, Mode.BACKWARD) == expected
    assert rules(new, Mode.FORWARD) == expected


def test_pattern_removed_is_a_loosening() -> None:
    new = changed(lambda s: props(s)["holder"]["properties"]["citizen_id"].pop("pattern"))
    assert rules(new, Mode.BACKWARD) == set()
    assert rules(new, Mode.FORWARD) == {("/properties/holder/properties/citizen_id", "pattern_removed")}


def test_numeric_bounds() -> None:
    new = changed(lambda s: props(s)["parcel_no"].update(minimum=10, maximum=99999))
    assert rules(new, Mode.BACKWARD) == {
        ("/properties/parcel_no", "minimum_tightened"),
        ("/properties/parcel_no", "maximum_tightened"),
    }
    looser = changed(
        lambda s: (
            props(s)["area_m2"].update(exclusiveMinimum=None) or props(s)["area_m2"].pop("exclusiveMinimum")
        )
    )
    assert rules(looser, Mode.FORWARD) == {("/properties/area_m2", "minimum_loosened")}
    inclusive = changed(
        lambda s: props(s)["area_m2"].update(minimum=0) or props(s)["area_m2"].pop("exclusiveMinimum")
    )
    assert rules(inclusive, Mode.BACKWARD) == set()  # >= 0 accepts everything > 0
    assert rules(inclusive, Mode.FORWARD) == {("/properties/area_m2", "minimum_loosened")}


def test_array_items_are_compared() -> None:
    new = changed(lambda s: props(s)["tags"]["items"].update(maxLength=10))
    assert rules(new, Mode.BACKWARD) == {("/properties/tags/items", "max_length_tightened")}


def test_opening_and_closing_additional_properties() -> None:
    opened = changed(lambda s: s.update(additionalProperties=True))
    assert rules(opened, Mode.BACKWARD) == set()
    assert rules(opened, Mode.FORWARD) == {("/additionalProperties", "additional_properties_loosened")}
    closed_history = [changed(lambda s: s.pop("additionalProperties"))]
    assert rules(BASE, Mode.BACKWARD, closed_history) == {
        ("/additionalProperties", "additional_properties_tightened")
    }


def test_adding_a_typed_property_to_an_open_model_is_not_backward_compatible() -> None:
    open_old = changed(lambda s: s.pop("additionalProperties"))
    open_new = copy.deepcopy(open_old)
    props(open_new)["note"] = {"type": "string"}
    assert rules(open_new, Mode.BACKWARD, [open_old]) == {
        ("/properties/note", "property_added_to_open_model")
    }
    props(open_new)["anything"] = {}
    assert ("/properties/anything", "property_added_to_open_model") not in rules(
        open_new, Mode.BACKWARD, [open_old]
    )


def test_refs_and_defs_compare_like_their_inline_form() -> None:
    with_refs = copy.deepcopy(BASE)
    with_refs["$defs"] = {"Holder": props(with_refs).pop("holder")}
    props(with_refs)["holder"] = {"$ref": "#/$defs/Holder", "description": "the holder"}
    for mode in Mode:
        assert check(with_refs, [(1, BASE)], mode) == []
        assert check(BASE, [(1, with_refs)], mode) == []


def test_pydantic_style_nullable_any_of_is_understood() -> None:
    old = changed(
        lambda s: props(s).update(note={"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}]})
    )
    new = changed(lambda s: props(s).update(note={"type": ["string", "null"], "maxLength": 5}))
    assert rules(new, Mode.FULL, [old]) == set()


def test_changed_any_of_is_reported_as_unsupported() -> None:
    old = changed(
        lambda s: props(s).update(v={"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0}]})
    )
    new = changed(lambda s: props(s).update(v={"anyOf": [{"type": "string"}, {"type": "integer"}]}))
    # the new anyOf is in fact looser, but the checker proves nothing about anyOf: it refuses
    assert rules(new, Mode.BACKWARD, [old]) == {("/properties/v", "unsupported_change")}
    assert rules(new, Mode.FORWARD, [old]) == {("/properties/v", "unsupported_change")}


def test_transitive_checks_every_version_and_reports_which() -> None:
    v1 = changed(lambda s: props(s)["purpose"]["enum"].append("CLN"))
    v2 = BASE  # CLN was removed in v2 already
    found = check(copy.deepcopy(BASE), [(1, v1), (2, v2)], Mode.BACKWARD_TRANSITIVE)
    assert found == [
        Incompatibility(
            "/properties/purpose",
            "enum_value_removed",
            found[0].message,
            1,
        )
    ]
    assert "removed" in found[0].message
    assert check(copy.deepcopy(BASE), [(1, v1), (2, v2)], Mode.BACKWARD) == []


def test_mode_values_are_the_upper_case_names() -> None:
    assert [m.value for m in Mode] == [m.name for m in Mode]
    assert Mode("FULL_TRANSITIVE") is Mode.FULL_TRANSITIVE


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "objekt"},
        {"properties": {"a": {"minLength": -1}}},
        {"$ref": "https://example.org/other.json"},
        {"$ref": "#/$defs/missing"},
        {"$defs": {"n": {"properties": {"next": {"$ref": "#/$defs/n"}}}}, "$ref": "#/$defs/n"},
    ],
)
def test_malformed_schemas_raise_invalid_schema(bad: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as info:
        check_schema(bad)
    assert info.value.code == "invalid_schema"
    with pytest.raises(InvalidInput):
        check(bad, [(1, BASE)], Mode.BACKWARD)


def test_not_a_dict_is_invalid() -> None:
    with pytest.raises(InvalidInput) as info:
        check_schema([])  # type: ignore[arg-type]
    assert info.value.code == "invalid_schema"


def test_full_reports_a_field_and_rule_once() -> None:
    new = changed(lambda s: props(s)["holder"]["properties"]["citizen_id"].update(pattern="^[0-9]{9}$"))
    found = check(new, [(1, BASE)], Mode.FULL)
    assert [(i.path, i.rule) for i in found] == [
        ("/properties/holder/properties/citizen_id", "pattern_changed")
    ]


def test_const_is_an_enum_of_one() -> None:
    old = changed(lambda s: props(s).update(kind={"const": "parcel"}))
    new = changed(lambda s: props(s).update(kind={"enum": ["parcel", "plot"]}))
    assert rules(new, Mode.BACKWARD, [old]) == set()
    assert rules(new, Mode.FORWARD, [old]) == {("/properties/kind", "enum_value_added")}


def test_boolean_false_property_forbids_the_field() -> None:
    new = changed(lambda s: props(s).update(address=False))
    assert rules(new, Mode.BACKWARD) == {("/properties/address", "value_forbidden")}
    assert rules(new, Mode.FORWARD) == set()


def test_draft_07_schemas_are_understood() -> None:
    old: dict[str, Any] = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": {"Id": {"type": "string"}},
        "type": "object",
        "properties": {"id": {"$ref": "#/definitions/Id"}},
        "additionalProperties": False,
    }
    new = copy.deepcopy(old)
    new["definitions"]["Id"]["maxLength"] = 12
    assert rules(new, Mode.BACKWARD, [old]) == {("/properties/id", "max_length_tightened")}


def test_multiple_of() -> None:
    old = changed(lambda s: props(s)["area_m2"].update(multipleOf=0.1))
    new = changed(lambda s: props(s)["area_m2"].update(multipleOf=0.5))
    assert rules(new, Mode.BACKWARD, [old]) == {("/properties/area_m2", "multiple_of_tightened")}
    assert rules(old, Mode.BACKWARD, [new]) == set()  # every multiple of 0.5 is one of 0.1
