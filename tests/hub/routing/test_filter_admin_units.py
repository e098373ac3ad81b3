"""Routing with the real normaliser, on units changed by the 1 July 2025 merger.

Hà Giang (02) merged into Tuyên Quang (08); its Phường Ngọc Hà (00692) is now in Phường Hà
Giang 2 (00691). Phường Minh Xuân (02215) came from the old Tuyên Quang. 19 is Thái Nguyên.
"""

from __future__ import annotations

import pytest

from hub.routing import decide
from schemas.admin_units import Normaliser, default_normaliser
from tests.hub.routing.events import change, subscription


@pytest.fixture(scope="module")
def units() -> Normaliser:
    return default_normaliser()


@pytest.mark.parametrize(("current", "original"), [("00692", None), ("00691", "00692")])
def test_pre_merger_commune_matched_by_the_new_province(
    units: Normaliser, current: str, original: str | None
) -> None:
    event = change(adminunit=current, adminunitorig=original)
    assert decide(event, subscription(admin_units=["08"]), units).matched
    assert decide(event, subscription(admin_units=["02"]), units).matched  # the old province too
    refused = decide(event, subscription(admin_units=["19"]), units)
    assert not refused.matched and refused.reason.startswith("admin unit:")


def test_old_province_filter_does_not_take_the_rest_of_its_successor(units: Normaliser) -> None:
    event = change(adminunit="02215")
    assert decide(event, subscription(admin_units=["08"]), units).matched
    assert not decide(event, subscription(admin_units=["02"]), units).matched


def test_unknown_event_unit_is_refused_not_raised(units: Normaliser) -> None:
    assert not decide(change(adminunit="99999"), subscription(admin_units=["08"]), units).matched
