"""Rows are checked against their feed's contract; every failure is named precisely."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.contracts import validation
from schemas.errors import ContractViolation
from schemas.events import ChangePayload, Op, SourceInfo
from schemas.feeds import all_feeds, feed_for_event_type

PARCEL = "vn.gov.land.parcel.v1"
SOURCE = SourceInfo(
    connector="dat-dai-hn", database="dat_dai", schema="public", table="thua_dat", position="0/1"
)


def good_row(event_type: str = PARCEL) -> dict[str, Any]:
    row: dict[str, Any] = feed_for_event_type(event_type).schema["examples"][0]
    return dict(row)


def payload(
    op: Op, *, before: dict[str, Any] | None = None, after: dict[str, Any] | None = None
) -> ChangePayload:
    return ChangePayload(op=op, before=before, after=after, source=SOURCE)


def validate(event_type: str, change: ChangePayload) -> str | None:
    """Check against the built-in feed's current contract document."""
    return validation.validate_change(event_type, change, feed_for_event_type(event_type).schema)


def violation(event_type: str, change: ChangePayload) -> ContractViolation:
    with pytest.raises(ContractViolation) as info:
        validate(event_type, change)
    return info.value


@pytest.mark.parametrize("spec", all_feeds(), ids=lambda s: s.event_type)
def test_good_rows_pass_and_name_their_contract(spec: Any) -> None:
    row = good_row(spec.event_type)
    for op in (Op.CREATE, Op.UPDATE, Op.READ):
        assert validate(spec.event_type, payload(op, after=row)) == spec.dataschema
    assert validate(spec.event_type, payload(Op.DELETE, before=row)) == spec.dataschema


def test_every_failure_is_listed_with_field_rule_and_truncated_value() -> None:
    row = {**good_row(), "area_m2": 0, "commune_code": "4", "address": "x" * 500, "secret_column": "y" * 100}
    del row["land_use_purpose"]
    error = violation(PARCEL, payload(Op.CREATE, after=row))
    assert error.code == "contract_violation"
    found = {(d["field"], d["rule"]) for d in error.details}
    assert found == {
        ("area_m2", "exclusiveMinimum"),
        ("commune_code", "pattern"),
        ("address", "maxLength"),
        ("land_use_purpose", "required"),
        ("secret_column", "additionalProperties"),
    }
    by_field = {d["field"]: d for d in error.details}
    assert by_field["area_m2"] == {
        "row": "after", "field": "area_m2", "path": "/after/area_m2", "rule": "exclusiveMinimum",
        "message": by_field["area_m2"]["message"], "value": "0",
    }  # fmt: skip
    assert len(by_field["address"]["value"]) == validation.SHOWN_VALUE_CHARS
    assert by_field["address"]["value"].endswith("…")
    assert by_field["land_use_purpose"]["value"] is None
    assert "after.area_m2 (exclusiveMinimum)" in error.message


def test_formats_are_asserted_date_and_date_time() -> None:
    error = violation(PARCEL, payload(Op.UPDATE, after={**good_row(), "updated_at": "23/11/2026 08:00"}))
    assert [(d["field"], d["rule"]) for d in error.details] == [("updated_at", "format")]
    error = violation(PARCEL, payload(Op.UPDATE, after={**good_row(), "use_until": "2026-02-30"}))
    assert [(d["field"], d["rule"]) for d in error.details] == [("use_until", "format")]


def test_python_values_are_checked_as_they_go_on_the_wire() -> None:
    row = {**good_row(), "use_until": date(2070, 1, 1)}
    assert validate(PARCEL, payload(Op.CREATE, after=row))


def test_a_nan_is_checked_as_the_null_it_goes_on_the_wire_as() -> None:
    row = {**good_row(), "area_m2": float("nan")}
    error = violation(PARCEL, payload(Op.CREATE, after=row))
    assert [(d["field"], d["rule"]) for d in error.details] == [("area_m2", "type")]
    assert payload(Op.CREATE, after=row).model_dump(mode="json")["after"]["area_m2"] is None


def test_partial_before_image_of_an_update_is_fine_but_wrong_values_are_not() -> None:
    key_only = {"commune_code": "00004", "map_sheet_no": 12, "parcel_no": 345}
    assert validate(PARCEL, payload(Op.UPDATE, before=key_only, after=good_row()))
    error = violation(PARCEL, payload(Op.UPDATE, before={**key_only, "parcel_no": -1}, after=good_row()))
    assert [(d["row"], d["field"], d["rule"]) for d in error.details] == [("before", "parcel_no", "minimum")]


def test_a_delete_needs_the_key_fields_in_its_before_image() -> None:
    assert validate(
        PARCEL, payload(Op.DELETE, before={"commune_code": "00004", "map_sheet_no": 12, "parcel_no": 345})
    )
    error = violation(PARCEL, payload(Op.DELETE, before={"commune_code": "00004"}))
    assert {d["field"] for d in error.details} == {"map_sheet_no", "parcel_no"}


def test_a_missing_row_is_its_own_violation() -> None:
    error = violation(PARCEL, payload(Op.CREATE))
    assert error.code == "missing_row"
    assert error.details[0]["path"] == "/after"
    assert violation(PARCEL, payload(Op.DELETE)).code == "missing_row"


def test_truncate_has_nothing_to_check() -> None:
    assert validate(PARCEL, payload(Op.TRUNCATE)) == feed_for_event_type(PARCEL).dataschema


def test_a_registry_contract_can_be_given_and_is_compiled_once() -> None:
    schema = copy.deepcopy(feed_for_event_type(PARCEL).schema)
    schema["properties"]["address"]["maxLength"] = 5
    with pytest.raises(ContractViolation):
        validation.validate_change(PARCEL, payload(Op.CREATE, after=good_row()), contract=schema)
    assert validation.compile_contract(schema) is validation.compile_contract(dict(schema))


TRICKY: list[Any] = [
    None, True, 0, 1, 1.0, -1, 12.5, "", "x", "00004", "001090012345", "2026-02-30", "2026-11-23",
    "2026-11-23T08:00:00", "2026-11-23T08:00:00Z", "2026-11-23T08:00:00+07:00", "2026-11-23 08:00:00Z",
    "Nguyễn Văn An", "DA 123456", "ODT", "male", [], {},
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    spec=st.sampled_from(all_feeds()),
    edits=st.dictionaries(st.text(max_size=3), st.sampled_from(TRICKY)),
    data=st.data(),
)
def test_fast_path_and_jsonschema_agree(spec: Any, edits: dict[str, Any], data: st.DataObject) -> None:
    """jsonschema-rs accepts exactly what jsonschema accepts, so the fast path changes no verdict."""
    row = good_row(spec.event_type)
    names = data.draw(st.lists(st.sampled_from(sorted(row)), max_size=3))
    row.update({name: data.draw(st.sampled_from(TRICKY)) for name in names})
    row.update(edits)
    compiled = validation.compile_contract(spec.schema).full
    assert compiled.fast.is_valid(row) == compiled.explain.is_valid(row), row
