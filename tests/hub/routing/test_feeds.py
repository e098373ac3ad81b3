from __future__ import annotations

import pytest

from hub.routing import feed_matches
from hub.routing.feeds import first_match


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("vn.gov.civil-status.*", "vn.gov.civil-status.birth.v1", True),
        ("vn.gov.civil-status.*", "vn.gov.land.parcel.v1", False),
        ("vn.gov.*.birth.v1", "vn.gov.civil-status.birth.v1", True),
        ("*", "anything.at.all", True),
        ("vn.gov.civil-status.birth.v1", "vn.gov.civil-status.birth.v1", True),
        ("vn.gov.civil-status.birth.v1", "vn.gov.civil-status.birth.v10", False),
        ("vn.gov.civil-status.*", "vn.gov.civil-status", False),
        ("vn.gov.land?", "vn.gov.lands", False),
        ("gov.land.[ab]", "gov.land.a", False),
    ],
)
def test_star_is_the_only_wildcard_and_it_crosses_dots(pattern: str, name: str, expected: bool) -> None:
    assert feed_matches(pattern, name) is expected


def test_first_match_tries_every_name_and_skips_missing_ones() -> None:
    patterns = ["gov.land.*", "gov.civil-status.birth.v1"]
    assert first_match(patterns, ("vn.gov.civil-status.birth.v1", "gov.civil-status.birth.v1")) == (
        "gov.civil-status.birth.v1"
    )
    assert first_match(patterns, (None, "gov.land.parcel.v1")) == "gov.land.*"
    assert first_match(patterns, (None, "gov.tax.v1")) is None
