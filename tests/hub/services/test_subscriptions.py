"""Registration checks: feeds against the registry, admin-unit codes through the normaliser."""

from __future__ import annotations

import pytest

from hub.services.subscriptions import builtin_feed_names, check_admin_units, check_feeds
from schemas.admin_units import default_normaliser
from schemas.errors import UnknownAdminUnit
from schemas.feeds import UnknownFeed


def test_builtin_feeds_name_event_types_and_topics() -> None:
    names = builtin_feed_names()
    assert {"vn.gov.civil-status.birth.v1", "gov.civil-status.birth.v1"} <= names


def test_feed_patterns_must_match_a_known_feed() -> None:
    known = builtin_feed_names()
    check_feeds(["vn.gov.civil-status.*", "gov.land.parcel.v1", "*"], known)
    with pytest.raises(UnknownFeed) as caught:
        check_feeds(["vn.gov.civil-status.*", "vn.gov.tax.*"], known)
    assert caught.value.code == "unknown_feed"
    assert caught.value.details["unknown"] == ["vn.gov.tax.*"]


def test_admin_unit_codes_of_either_era_are_accepted() -> None:
    # 08 Tuyên Quang (current), 02 Hà Giang and 024 its old city (pre-merger), 00688 a split commune
    check_admin_units(["08", "02", "024", "00688", "Thành phố Hà Giang"], default_normaliser())
    check_admin_units(["no such unit"], None)


@pytest.mark.parametrize(
    ("code", "error_code"), [("99999", "unknown_admin_unit"), ("Xã Tân Thành", "ambiguous_admin_unit")]
)
def test_unknown_or_ambiguous_admin_units_are_refused(code: str, error_code: str) -> None:
    with pytest.raises(UnknownAdminUnit) as caught:
        check_admin_units(["08", code], default_normaliser())
    assert caught.value.code == error_code
