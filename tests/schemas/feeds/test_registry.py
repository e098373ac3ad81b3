"""Every built-in feed is reachable by event type and topic, and its contract is well formed."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from schemas import feeds, naming
from schemas.errors import InvalidInput
from schemas.feeds import FeedCatalogue, FeedSpec, all_feeds


def example(spec: FeedSpec) -> dict[str, Any]:
    row: dict[str, Any] = spec.schema["examples"][0]
    return row


def accepts(spec: FeedSpec, row: dict[str, Any]) -> bool:
    return bool(Draft202012Validator(spec.schema, format_checker=FormatChecker()).is_valid(row))


def test_the_builtin_catalogue_lists_the_three_domains() -> None:
    types = {spec.event_type for spec in all_feeds()}
    assert {
        "vn.gov.land.parcel.v1",
        "vn.gov.land.land-use-right-certificate.v1",
        "vn.gov.civil-status.birth.v1",
        "vn.gov.civil-status.death.v1",
        "vn.gov.civil-status.marriage.v1",
        "vn.gov.judicial-records.criminal-record-certificate.v1",
    } == types


@pytest.mark.parametrize("spec", all_feeds(), ids=lambda s: s.event_type)
def test_lookup_by_type_topic_or_either(spec: FeedSpec) -> None:
    assert feeds.feed_for_event_type(spec.event_type) is spec
    assert feeds.feed_for_topic(spec.topic) is spec
    assert feeds.feed_named(spec.topic) is spec
    assert feeds.feed_named(spec.event_type) is spec
    assert spec.quarantine_topic == spec.topic + ".quarantine"
    assert spec.dataschema == naming.contract_id(spec.event_type, spec.contract_version)
    assert spec.dataschema == spec.schema["$id"]


@pytest.mark.parametrize("spec", all_feeds(), ids=lambda s: s.event_type)
def test_contract_names_real_key_and_admin_unit_fields_and_accepts_its_example(spec: FeedSpec) -> None:
    fields = spec.schema["properties"]
    assert spec.key_fields and all(name in fields for name in spec.key_fields)
    assert spec.admin_unit_field in fields
    row = example(spec)
    assert accepts(spec, row)
    assert spec.record_key(row)


def test_unknown_feed_is_not_found_but_malformed_name_is_invalid() -> None:
    with pytest.raises(feeds.UnknownFeed) as info:
        feeds.feed_for_event_type("vn.gov.tax.invoice.v1")
    assert info.value.status == 404
    with pytest.raises(naming.InvalidName):
        feeds.feed_for_topic("gov.tax")


def test_a_catalogue_is_built_from_any_contract_documents() -> None:
    birth = feeds.feed_for_event_type("vn.gov.civil-status.birth.v1")
    catalogue = FeedCatalogue([FeedSpec.of(birth.schema, 3)])
    assert catalogue.for_topic("gov.civil-status.birth.v1").dataschema.endswith(":v3")
    assert catalogue.names() == {"vn.gov.civil-status.birth.v1", "gov.civil-status.birth.v1"}


def test_composite_record_key_keeps_slashes_inside_fields() -> None:
    spec = feeds.feed_for_event_type("vn.gov.civil-status.birth.v1")
    assert spec.record_key(example(spec)) == "00004:01/2026:157"


def test_record_key_requires_every_key_field() -> None:
    with pytest.raises(InvalidInput):
        feeds.feed_for_event_type("vn.gov.land.parcel.v1").record_key(
            {"commune_code": "00004", "map_sheet_no": 1}
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("holder_citizen_id", "12345678901"),  # 11 digits
        ("holder_citizen_id", "00109001234X"),
        ("serial", "DA123456"),  # missing space
        ("commune_code", "4"),
        ("land_use_purpose", "XYZ"),
        ("area_m2", 0),
        ("unexpected_column", "leaks"),
    ],
)
def test_certificate_rejects_malformed_vietnamese_identifiers(field: str, value: Any) -> None:
    spec = feeds.feed_for_event_type("vn.gov.land.land-use-right-certificate.v1")
    assert not accepts(spec, {**example(spec), field: value})
