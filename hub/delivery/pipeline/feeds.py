"""Which Kafka topics a subscription's sink reads: its feeds as one topic regex.

Feeds are event types or topic names with ``*`` wildcards. An event-type pattern maps to the
topic pattern of the same feed (``vn.gov.land.*`` reads ``gov.land.*``); a pattern that names
neither prefix (``*``) reads every feed topic. Only feed topics are ever read (never
``.quarantine`` or ``hub.*`` topics); the routing decision then checks each event exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from schemas.naming import EVENT_TYPE_PREFIX, TOPIC_PREFIX

FEED_TOPIC = r"gov\.[a-z0-9-]+\.[a-z0-9-]+\.v[0-9]+"


def topic_regex(feed: str) -> str:
    if feed.startswith(EVENT_TYPE_PREFIX):
        feed = TOPIC_PREFIX + feed[len(EVENT_TYPE_PREFIX) :]
    elif not feed.startswith(TOPIC_PREFIX):
        return ".*"
    return ".*".join(re.escape(part) for part in feed.split("*"))


def topic_pattern(feeds: Iterable[str]) -> str:
    """One anchored regex matching exactly the feed topics the feeds may draw from."""
    alternatives = sorted({topic_regex(feed) for feed in feeds})
    return rf"^(?={FEED_TOPIC}$)(?:{'|'.join(alternatives)})$"


__all__ = ["topic_pattern", "topic_regex"]
