"""Grant coverage of a subscription's feeds x administrative units, and the delivery headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest

from hub.access.grants import Grant, coverage, delivery_headers, feed_covers
from schemas.admin_units import default_normaliser

NOW = datetime(2026, 1, 1, tzinfo=UTC)
UNITS = default_normaliser()


def grant(gid: int, feed: str, unit: str, **changes: Any) -> Grant:
    fields: dict[str, Any] = {
        "id": gid, "org_code": "000.00.00.H49", "feed": feed, "admin_unit": unit,
        "purpose": "Giải quyết thủ tục hành chính", "legal_basis": "Nghị định 47/2020/NĐ-CP",
        "expires_at": NOW + timedelta(days=30), "created_at": NOW - timedelta(days=1), "created_by": "ops",
    }  # fmt: skip
    return Grant.model_validate(fields | changes)


@pytest.mark.parametrize(
    ("granted", "wanted", "covered"),
    [
        ("vn.gov.civil-status.birth.v1", "vn.gov.civil-status.birth.v1", True),
        ("vn.gov.civil-status.*", "vn.gov.civil-status.birth.v1", True),
        ("vn.gov.civil-status.*", "vn.gov.civil-status.*", True),
        ("vn.gov.civil-status.*", "gov.civil-status.death.v1", True),  # topic = its event type
        ("gov.land.parcel.v1", "vn.gov.land.parcel.v1", True),
        ("*", "vn.gov.land.*", True),
        ("vn.gov.civil-status.birth.v1", "vn.gov.civil-status.*", False),  # wider than granted
        ("vn.gov.civil-status.*", "vn.gov.*", False),
        ("vn.gov.civil-status.*", "*", False),
        ("vn.gov.land.*", "vn.gov.civil-status.birth.v1", False),
    ],
)
def test_feed_containment(granted: str, wanted: str, covered: bool) -> None:
    assert feed_covers(granted, wanted) is covered


def test_a_province_grant_covers_its_communes_and_its_predecessors_not_other_provinces() -> None:
    grants = [grant(1, "vn.gov.civil-status.*", "08")]  # current Tuyên Quang (absorbed Hà Giang)
    ok = coverage(["vn.gov.civil-status.birth.v1"], ["08", "024"], grants, UNITS, NOW)
    assert ok.covered and [g.id for g in ok.used] == [1]
    other = coverage(["vn.gov.civil-status.birth.v1"], ["22"], grants, UNITS, NOW)
    assert not other.covered
    assert (
        other.reason(NOW)
        == "grant_missing: no live grant covers feed vn.gov.civil-status.birth.v1 in unit 22"
    )


def test_no_unit_filter_asks_for_the_whole_country() -> None:
    province = [grant(1, "vn.gov.land.*", "22")]
    assert not coverage(["vn.gov.land.parcel.v1"], [], province, UNITS, NOW).covered
    nationwide = [grant(2, "vn.gov.land.*", "*")]
    assert coverage(["vn.gov.land.parcel.v1"], [], nationwide, UNITS, NOW).covered
    assert coverage(["vn.gov.land.parcel.v1"], ["22", "46"], nationwide, UNITS, NOW).covered


def test_every_feed_and_unit_pair_needs_a_grant() -> None:
    grants = [grant(1, "vn.gov.civil-status.*", "22"), grant(2, "vn.gov.land.*", "46")]
    found = coverage(
        ["vn.gov.civil-status.birth.v1", "vn.gov.land.parcel.v1"], ["22", "46"], grants, UNITS, NOW
    )
    assert [(g.feed, g.admin_unit) for g in found.gaps] == [
        ("vn.gov.civil-status.birth.v1", "46"),
        ("vn.gov.land.parcel.v1", "22"),
    ]
    assert str(found.reason(NOW)).endswith("(and 1 more)")


def test_lapsed_grants_say_whether_they_expired_or_were_revoked() -> None:
    expired = [grant(7, "vn.gov.land.*", "*", expires_at=NOW - timedelta(hours=1))]
    found = coverage(["vn.gov.land.parcel.v1"], [], expired, UNITS, NOW)
    assert str(found.reason(NOW)).startswith("grant_expired: grant 7 for feed vn.gov.land.parcel.v1")
    revoked = [grant(8, "vn.gov.land.*", "*", revoked_at=NOW - timedelta(minutes=1), revoked_by="ops")]
    reason = coverage(["vn.gov.land.parcel.v1"], [], revoked, UNITS, NOW).reason(NOW)
    assert str(reason).startswith("grant_revoked: grant 8")
    both = [*expired, grant(9, "vn.gov.land.*", "*")]
    assert coverage(["vn.gov.land.parcel.v1"], [], both, UNITS, NOW).covered


def test_unknown_unit_in_a_grant_covers_nothing() -> None:
    assert not coverage(["vn.gov.land.parcel.v1"], ["22"], [grant(1, "*", "99999")], UNITS, NOW).covered


def test_delivery_headers_carry_ids_purposes_and_legal_bases_as_ascii() -> None:
    grants = [grant(3, "*", "*"), grant(5, "*", "22", purpose="Thống kê, báo cáo")]
    headers = dict(delivery_headers(grants))
    assert headers["hub-grants"] == "3, 5"
    assert all(value.isascii() for value in headers.values())
    purposes = [unquote(p) for p in headers["hub-purpose"].split(", ")]
    assert purposes == ["Giải quyết thủ tục hành chính", "Thống kê, báo cáo"]  # commas inside are encoded
    assert unquote(headers["hub-legal-basis"].split(", ")[0]) == "Nghị định 47/2020/NĐ-CP"
    assert delivery_headers([]) == ()
