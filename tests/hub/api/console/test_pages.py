"""How the console's pages print values: times in one readable UTC form, everything else as is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hub.api.console.pages import templates


def test_a_time_prints_to_the_millisecond_in_utc_whatever_its_offset() -> None:
    hanoi = timezone(timedelta(hours=7))
    moment = datetime(2026, 12, 6, 16, 54, 3, 75897, tzinfo=hanoi)
    page = templates.env.from_string("{{ at }} | {{ later or '' }} | {{ n }}")
    assert page.render(at=moment, later=None, n=42) == "2026-12-06 09:54:03.075 UTC |  | 42"


def test_a_time_inside_a_sentence_is_printed_the_same_way() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, 999999, tzinfo=UTC)
    page = templates.env.from_string("updated {{ sub.updated_at }}")
    assert page.render(sub={"updated_at": moment}) == "updated 2026-01-02 03:04:05.999 UTC"
