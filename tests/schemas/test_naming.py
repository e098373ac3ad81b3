"""The naming scheme renders and parses every public name, and refuses malformed ones."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas import naming
from schemas.errors import InvalidInput

WORD = st.from_regex(r"\A[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,6}){0,2}\Z")


def test_feed_names_follow_the_documented_scheme() -> None:
    name = naming.FeedName("civil-status", "birth", 1)
    assert name.event_type == "vn.gov.civil-status.birth.v1"
    assert name.topic == "gov.civil-status.birth.v1"
    assert name.quarantine_topic == "gov.civil-status.birth.v1.quarantine"
    assert naming.event_type("land", "parcel", 2) == "vn.gov.land.parcel.v2"
    assert naming.feed_topic("land", "parcel", 2) == "gov.land.parcel.v2"


def test_hub_topics_are_under_the_hub_prefix() -> None:
    assert naming.retry_topic("hanoi-portal") == "hub.sub.hanoi-portal.retry"
    assert naming.dlq_topic("hanoi-portal") == "hub.sub.hanoi-portal.dlq"
    assert naming.AUDIT_TOPIC == "hub.audit"


def test_contract_id_names_event_type_and_version() -> None:
    assert (
        naming.contract_id("vn.gov.land.parcel.v1", 3) == "urn:vn-gov-hub:contract:vn.gov.land.parcel.v1:v3"
    )
    with pytest.raises(InvalidInput):
        naming.contract_id("vn.gov.land.parcel.v1", 0)


@given(domain=WORD, entity=WORD, major=st.integers(1, 9999))
def test_parse_inverts_format(domain: str, entity: str, major: int) -> None:
    name = naming.FeedName(domain, entity, major)
    assert naming.parse_event_type(name.event_type) == name
    assert naming.parse_feed_topic(name.topic) == name
    assert len(name.quarantine_topic) <= naming.MAX_TOPIC_LENGTH


@pytest.mark.parametrize(
    "bad",
    [
        "vn.gov.land.parcel",  # no major
        "vn.gov.land.parcel.v0",  # majors start at 1
        "vn.gov.land.parcel.v01",
        "vn.gov.Land.parcel.v1",  # upper case
        "vn.gov.land.land_parcel.v1",  # underscore
        "vn.gov.land.-parcel.v1",
        "vn.gov.land.parcel--x.v1",
        "vn.gov.land.parcel.v1.extra",
        "gov.land.parcel.v1",  # a topic, not a type
        "",
    ],
)
def test_malformed_event_types_are_refused_with_invalid_name(bad: str) -> None:
    with pytest.raises(InvalidInput) as info:
        naming.parse_event_type(bad)
    assert info.value.code == "invalid_name"


@pytest.mark.parametrize("bad", ["vn.gov.land.parcel.v1", "gov.land.parcel", "gov.land.parcel.v1.quarantine"])
def test_malformed_topics_are_refused(bad: str) -> None:
    with pytest.raises(naming.InvalidName):
        naming.parse_feed_topic(bad)


@pytest.mark.parametrize("bad", ["", "Hanoi", "a.b", "-x", "x-", "a" * 64, "hà-nội"])
def test_subscription_ids_must_be_slugs(bad: str) -> None:
    with pytest.raises(naming.InvalidName):
        naming.retry_topic(bad)


def test_quarantine_of_a_non_feed_topic_is_refused() -> None:
    with pytest.raises(naming.InvalidName):
        naming.quarantine_topic("hub.audit")


def test_feed_name_validates_its_parts() -> None:
    with pytest.raises(naming.InvalidName):
        naming.FeedName("land", "parcel", 0)
    with pytest.raises(naming.InvalidName):
        naming.FeedName("land.x", "parcel", 1)
