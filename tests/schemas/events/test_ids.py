"""Event ids must stay the UUIDv5 they always were: re-published changes are de-duplicated by id."""

from __future__ import annotations

import uuid

import pytest

from schemas.events.ids import EVENT_NAMESPACE, event_id


@pytest.mark.parametrize(
    "parts",
    [
        ("cadastre", "public.parcel", "0000000001A2B3C4", "01:1:7", "c"),
        ("ho-tich", "birth", "", "", "t"),
        ("đất-đai", "public.thửa", "42", "xã Đông:1", "d"),
    ],
)
def test_event_id_is_the_uuid5_of_the_joined_parts(parts: tuple[str, str, str, str, str]) -> None:
    expected = uuid.uuid5(EVENT_NAMESPACE, "\x1f".join(parts))

    found = uuid.UUID(event_id(*parts))

    assert str(found) == str(expected)
    assert found.version == 5
