"""The domain feeds, as data: each feed is a contract document (``schemas.contracts.document``).

Each feed has an event type ``vn.gov.<domain>.<entity>.v<major>``, a topic
``gov.<domain>.<entity>.v<major>`` with its quarantine topic, and a contract (JSON Schema of the
row plus key fields, admin-unit field and per-field sensitivity). The built-in feeds are the
files under ``contracts/``; a ministry adds a feed by registering one more file with the hub.
"""

from schemas.feeds.builtin import ContractFile, builtin_contract_files
from schemas.feeds.registry import (
    FeedCatalogue,
    UnknownFeed,
    all_feeds,
    builtin_catalogue,
    feed_for_event_type,
    feed_for_topic,
    feed_named,
)
from schemas.feeds.spec import KEY_SEPARATOR, FeedSpec

__all__ = [
    "KEY_SEPARATOR",
    "ContractFile",
    "FeedCatalogue",
    "FeedSpec",
    "UnknownFeed",
    "all_feeds",
    "builtin_catalogue",
    "builtin_contract_files",
    "feed_for_event_type",
    "feed_for_topic",
    "feed_named",
]
