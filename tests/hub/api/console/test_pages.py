"""How the console's pages print values: times in one readable UTC form, everything else as is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hub.api.console.catalogue import messages
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


def _dead_letters_page(status_code: int | None, error: str | None) -> str:
    item = {
        "id": 1, "event_id": "ev-1", "subject": "KS-1", "dead_lettered_at": None, "attempts": 1,
        "reason": "push_rejected", "status_code": status_code, "error": error,
    }  # fmt: skip
    page = templates.env.get_template("dead_letters.html")  # its own block: no request needed
    context = page.new_context(
        {"t": messages("en"), "csrf": "c", "sub_id": "s", "items": [item], "redelivered": None}
    )
    return "".join(page.blocks["main"](context))


def test_a_dead_letter_names_its_status_once_whether_or_not_its_error_already_does() -> None:
    told = _dead_letters_page(422, 'HTTP 422: {"error": "bad area"}')
    assert "push_rejected: HTTP 422: {&#34;error&#34;: &#34;bad area&#34;}" in told
    assert told.count("HTTP 422") == 1
    bare = _dead_letters_page(503, "timed out")
    assert "push_rejected (HTTP 503): timed out" in bare
