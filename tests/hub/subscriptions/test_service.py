"""Registration checks: feeds against the registry, admin-unit codes through the normaliser."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from hub.subscriptions.service import builtin_feed_names, check_admin_units, check_feeds
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


@dataclass
class Resolution:
    current: str | None


class Units:
    def resolve(self, code_or_name: str) -> Resolution:
        if code_or_name == "raises":
            raise UnknownAdminUnit(code_or_name)
        return Resolution(None if code_or_name == "none" else "01")


def test_admin_unit_codes_must_resolve() -> None:
    check_admin_units(["01", "00004"], Units())
    check_admin_units(["anything"], None)
    for bad in ("raises", "none"):
        with pytest.raises(UnknownAdminUnit):
            check_admin_units(["01", bad], Units())
