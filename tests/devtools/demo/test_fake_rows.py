"""The demo's synthetic records satisfy their feeds' contracts and use real units."""

from __future__ import annotations

import pytest

from devtools.demo.fake_rows import LEGACY_PROVINCE, RecordFaker
from schemas.admin_units import default_normaliser
from schemas.feeds import FeedSpec, all_feeds


@pytest.mark.parametrize("spec", all_feeds(), ids=lambda s: s.entity)
def test_rows_validate_against_the_feed_model(spec: FeedSpec) -> None:
    faker = RecordFaker(seed=7)
    keys = set()
    for _ in range(50):
        row = faker.row(spec)
        spec.row_model.model_validate(row)
        keys.add(spec.row_model.record_key(row))
    assert len(keys) == 50  # distinct records, not one record updated


def test_some_records_still_carry_pre_merger_codes() -> None:
    faker = RecordFaker(seed=7)
    normaliser = default_normaliser()
    provinces = {normaliser.resolve(faker.commune()).original.province_code for _ in range(200)}
    assert LEGACY_PROVINCE in provinces
