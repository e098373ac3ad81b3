"""Routing: which subscriptions want which events, decided per event and per subscription."""

from hub.routing.feeds import matches as feed_matches
from hub.routing.filter import AdminUnitIndex, Decision, decide

__all__ = ["AdminUnitIndex", "Decision", "decide", "feed_matches"]
