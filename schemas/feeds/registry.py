"""The registry of built-in feeds, looked up by event type or by topic.

Feeds are listed explicitly (no import-time discovery), so reading this file tells every feed
the hub knows. Unknown but well-formed names raise ``UnknownFeed``; malformed ones raise
``naming.InvalidName`` first, so a caller learns which of the two mistakes it made.
"""

from __future__ import annotations

from schemas import naming
from schemas.errors import NotFound
from schemas.feeds.civil_status import BirthRegistration, DeathRegistration, MarriageRegistration
from schemas.feeds.judicial_records import CriminalRecordCertificate
from schemas.feeds.land import LandParcel, LandUseRightCertificate
from schemas.feeds.spec import FeedSpec, feed

FEEDS: tuple[FeedSpec, ...] = (
    feed("land", "parcel", 1, LandParcel, "Land parcels"),
    feed("land", "land-use-right-certificate", 1, LandUseRightCertificate, "Land-use right certificates"),
    feed("civil-status", "birth", 1, BirthRegistration, "Birth registrations"),
    feed("civil-status", "death", 1, DeathRegistration, "Death registrations"),
    feed("civil-status", "marriage", 1, MarriageRegistration, "Marriage registrations"),
    feed(
        "judicial-records",
        "criminal-record-certificate",
        1,
        CriminalRecordCertificate,
        "Criminal-record certificates",
    ),
)
_BY_NAME = {spec.name: spec for spec in FEEDS}
assert len(_BY_NAME) == len(FEEDS), "two feeds share a name"


class UnknownFeed(NotFound):
    code = "unknown_feed"


def all_feeds() -> tuple[FeedSpec, ...]:
    return FEEDS


def _lookup(name: naming.FeedName, given: str) -> FeedSpec:
    spec = _BY_NAME.get(name)
    if spec is None:
        raise UnknownFeed(f"no feed {given!r}", details={"known": [f.event_type for f in FEEDS]})
    return spec


def feed_for_event_type(event_type: str) -> FeedSpec:
    return _lookup(naming.parse_event_type(event_type), event_type)


def feed_for_topic(topic: str) -> FeedSpec:
    return _lookup(naming.parse_feed_topic(topic), topic)


def feed_named(name: str) -> FeedSpec:
    """An event type or a feed topic, whichever ``name`` is (what subscribers write)."""
    if name.startswith(naming.EVENT_TYPE_PREFIX):
        return feed_for_event_type(name)
    return feed_for_topic(name)
