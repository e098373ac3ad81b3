"""A subscription's feeds become one topic regex over feed topics only."""

from __future__ import annotations

import re

from hub.delivery.pipeline.feeds import topic_pattern


def matches(feeds: list[str], topic: str) -> bool:
    return re.match(topic_pattern(feeds), topic) is not None


def test_event_type_patterns_read_their_topics() -> None:
    feeds = ["vn.gov.civil-status.*"]
    assert matches(feeds, "gov.civil-status.birth.v1")
    assert not matches(feeds, "gov.land.parcel.v1")


def test_exact_topics_and_event_types() -> None:
    assert matches(["gov.land.parcel.v1"], "gov.land.parcel.v1")
    assert matches(["vn.gov.land.parcel.v2"], "gov.land.parcel.v2")
    assert not matches(["vn.gov.land.parcel.v2"], "gov.land.parcel.v20")


def test_never_quarantine_or_hub_topics() -> None:
    for feeds in (["*"], ["vn.gov.*"], ["gov.*"]):
        assert matches(feeds, "gov.land.parcel.v1")
        assert not matches(feeds, "gov.land.parcel.v1.quarantine")
        assert not matches(feeds, "hub.sub.x.retry")
