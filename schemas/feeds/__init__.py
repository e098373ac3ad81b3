"""The domain feeds: one row model per feed and the registry that names them.

Each feed has an event type ``vn.gov.<domain>.<entity>.v<major>``, a topic
``gov.<domain>.<entity>.v<major>`` with its quarantine topic, and a pydantic row model that is
the single source of its JSON Schema contract (``schemas.contracts``).
"""

from schemas.feeds.civil_status import BirthRegistration, DeathRegistration, MarriageRegistration
from schemas.feeds.judicial_records import CriminalRecordCertificate
from schemas.feeds.land import LandParcel, LandUseRightCertificate
from schemas.feeds.registry import (
    UnknownFeed,
    all_feeds,
    feed_for_event_type,
    feed_for_topic,
    feed_named,
)
from schemas.feeds.row import FeedRow
from schemas.feeds.spec import FeedSpec

__all__ = [
    "BirthRegistration",
    "CriminalRecordCertificate",
    "DeathRegistration",
    "FeedRow",
    "FeedSpec",
    "LandParcel",
    "LandUseRightCertificate",
    "MarriageRegistration",
    "UnknownFeed",
    "all_feeds",
    "feed_for_event_type",
    "feed_for_topic",
    "feed_named",
]
