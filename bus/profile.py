"""The process's Kafka profile: how its clients reach the cluster and how its topics are laid out, and
how far its consumers fetch ahead.

One process talks to one cluster with one identity, so the profile is installed once, when the
process reads its settings (``hub.settings.Settings.kafka_address``), and every client the adapter
makes reads it here: a producer, consumer or admin client can never be built without the
credentials, whichever of the many callers builds it. Until installed it is the local dev
profile (PLAINTEXT, default layout), which is what unit and integration tests use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bus.fetch_limits import FetchLimits
from bus.security import PLAINTEXT, KafkaSecurity
from bus.topic_layout import TopicLayout


@dataclass(frozen=True)
class KafkaProfile:
    security: KafkaSecurity = PLAINTEXT
    layout: TopicLayout = field(default_factory=TopicLayout)
    fetch: FetchLimits = field(default_factory=FetchLimits)  # every consumer's prefetch and idle wait


DEV_PROFILE = KafkaProfile()
_installed: list[KafkaProfile] = [DEV_PROFILE]


def install(profile: KafkaProfile) -> None:
    """Make ``profile`` the one every client of this process uses from now on."""
    _installed[0] = profile


def current() -> KafkaProfile:
    return _installed[0]


__all__ = ["DEV_PROFILE", "KafkaProfile", "current", "install"]
