"""How the console's pages print values: times in one readable UTC form, everything else as is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hub.api.console.catalogue import messages
from hub.api.console.pages import templates
from hub.observability.status_view import LaneHolding, Overview, WorkerLine


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


def test_a_hub_run_worker_is_summed_up_and_its_lanes_listed_under_it() -> None:
    lanes = [
        LaneHolding(
            subscription="ha-noi", lane="feed", partitions=["gov.land.parcel.v1:0", "gov.land.parcel.v1:1"]
        ),
        LaneHolding(subscription="ha-noi", lane="backfill", partitions=["hub.sub.ha-noi.backfill:0"]),
        LaneHolding(subscription="hue", lane="feed", partitions=["gov.land.parcel.v1:2"]),
    ]
    workers = [
        WorkerLine(id="vm:1:ab", process="run", heartbeat_age_s=2, holds=[], healthy=True, lanes=lanes),
        WorkerLine(
            id="vm-2", process="connect", heartbeat_age_s=1, holds=["land", "civil-status"], healthy=True
        ),
    ]
    overview = Overview(
        generated_at=datetime(2026, 12, 6, tzinfo=UTC), window_s=900, broker="ok", connectors=[],
        subscriptions=[], workers=workers, problems=[],
    )  # fmt: skip
    page = templates.env.get_template("ops.html")
    html = "".join(page.blocks["main"](page.new_context({"t": messages("en"), "overview": overview})))
    assert "<summary>Subscriptions: 2 · 4 partition(s) held</summary>" in html
    assert "<code>ha-noi</code> (backfill): hub.sub.ha-noi.backfill:0" in html
    assert "land, civil-status" in html
