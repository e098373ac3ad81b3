"""The demo's synthetic records satisfy their feeds' contracts and use real units."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from pydantic_core import to_jsonable_python

from devtools.demo.fake_rows import LEGACY_PROVINCE, RecordFaker
from schemas.admin_units import default_normaliser
from schemas.feeds import FeedSpec, all_feeds


@pytest.mark.parametrize("spec", all_feeds(), ids=lambda s: s.entity)
def test_rows_validate_against_the_feed_contract(spec: FeedSpec) -> None:
    faker = RecordFaker(seed=7)
    contract = Draft202012Validator(spec.schema, format_checker=FormatChecker())
    keys = set()
    for _ in range(50):
        row = faker.row(spec)
        wire = to_jsonable_python(row)  # dates as the wire carries them
        assert list(contract.iter_errors(wire)) == [], wire
        keys.add(spec.record_key(row))
    assert len(keys) == 50  # distinct records, not one record updated


def test_some_records_still_carry_pre_merger_codes() -> None:
    faker = RecordFaker(seed=7)
    normaliser = default_normaliser()
    provinces = {normaliser.resolve(faker.commune()).original.province_code for _ in range(200)}
    assert LEGACY_PROVINCE in provinces
