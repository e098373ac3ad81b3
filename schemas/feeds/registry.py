"""Catalogues of feeds, looked up by event type or by topic.

A catalogue is built from contract documents: the built-in ones (``builtin_catalogue``, the
latest version of each file under ``contracts/``) or whatever the hub's registry holds (the
store builds one from its live contracts). Unknown but well-formed names raise ``UnknownFeed``;
malformed ones raise ``naming.InvalidName`` first, so a caller learns which of the two mistakes
it made.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from schemas import naming
from schemas.errors import NotFound
from schemas.feeds.builtin import builtin_contract_files
from schemas.feeds.spec import FeedSpec


class UnknownFeed(NotFound):
    code = "unknown_feed"


class FeedCatalogue:
    """A set of feeds (one per event type), immutable once built."""

    def __init__(self, feeds: Iterable[FeedSpec]) -> None:
        self.feeds = tuple(sorted(feeds, key=lambda spec: spec.event_type))
        self._by_name = {spec.name: spec for spec in self.feeds}
        assert len(self._by_name) == len(self.feeds), "two feeds share a name"

    def for_event_type(self, event_type: str) -> FeedSpec:
        return self._lookup(naming.parse_event_type(event_type), event_type)

    def for_topic(self, topic: str) -> FeedSpec:
        return self._lookup(naming.parse_feed_topic(topic), topic)

    def named(self, name: str) -> FeedSpec:
        """An event type or a feed topic, whichever ``name`` is (what subscribers write)."""
        if name.startswith(naming.EVENT_TYPE_PREFIX):
            return self.for_event_type(name)
        return self.for_topic(name)

    def names(self) -> frozenset[str]:
        """Every event type and topic of the catalogue (what a subscriber may name)."""
        return frozenset(name for spec in self.feeds for name in (spec.event_type, spec.topic))

    def _lookup(self, name: naming.FeedName, given: str) -> FeedSpec:
        spec = self._by_name.get(name)
        if spec is None:
            raise UnknownFeed(f"no feed {given!r}", details={"known": [f.event_type for f in self.feeds]})
        return spec


@functools.cache
def builtin_catalogue() -> FeedCatalogue:
    """The built-in feeds at their latest file version."""
    latest = {item.event_type: item for item in builtin_contract_files()}
    return FeedCatalogue(FeedSpec.of(item.document, item.version) for item in latest.values())


def all_feeds() -> tuple[FeedSpec, ...]:
    return builtin_catalogue().feeds


def feed_for_event_type(event_type: str) -> FeedSpec:
    return builtin_catalogue().for_event_type(event_type)


def feed_for_topic(topic: str) -> FeedSpec:
    return builtin_catalogue().for_topic(topic)


def feed_named(name: str) -> FeedSpec:
    return builtin_catalogue().named(name)
