"""THE naming scheme of event types and Kafka topics: one place, so no two modules disagree.

::

    event type         vn.gov.<domain>.<entity>.v<major>     vn.gov.civil-status.birth.v1
    feed topic         gov.<domain>.<entity>.v<major>        gov.civil-status.birth.v1
    quarantine topic   <feed topic>.quarantine               gov.civil-status.birth.v1.quarantine
    state topic        <feed topic>.state                    gov.civil-status.birth.v1.state
    retry topic        hub.sub.<subscription-id>.retry       hub.sub.hanoi-portal.retry
    dead-letter topic  hub.sub.<subscription-id>.dlq         hub.sub.hanoi-portal.dlq
    backfill topic     hub.sub.<subscription-id>.backfill    hub.sub.hanoi-portal.backfill
    audit topic        hub.audit
    contract id        urn:vn-gov-hub:contract:<event type>:v<version>
    event source       /connectors/<connector>/<schema>.<table>   (the CloudEvent ``source``)

``domain`` and ``entity`` are lower-case ASCII words joined by single hyphens (kebab case), so a
name is a valid Kafka topic name, a valid CloudEvents ``type`` and a safe path segment at once,
and a dot always separates parts (never appears inside one), which keeps parsing unambiguous.
The major version changes only on an incompatible contract change: a new major is a new topic,
so old and new consumers never read each other's data. Everything a subscriber might type goes
through ``parse_*`` and fails with ``InvalidInput`` (code ``invalid_name``) naming the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.errors import InvalidInput

EVENT_TYPE_PREFIX = "vn.gov."
TOPIC_PREFIX = "gov."
QUARANTINE_SUFFIX = ".quarantine"
STATE_SUFFIX = ".state"
SUBSCRIPTION_TOPIC_PREFIX = "hub.sub."
AUDIT_TOPIC = "hub.audit"
CONTRACT_URN_PREFIX = "urn:vn-gov-hub:contract:"
MAX_TOPIC_LENGTH = 249  # Kafka's own limit

_WORD = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"
_MAJOR = r"v(?P<major>[1-9][0-9]{0,3})"
_SEGMENT = re.compile(rf"^{_WORD}$")
_SUBSCRIPTION_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_EVENT_TYPE = re.compile(rf"^vn\.gov\.(?P<domain>{_WORD})\.(?P<entity>{_WORD})\.{_MAJOR}$")
_FEED_TOPIC = re.compile(rf"^gov\.(?P<domain>{_WORD})\.(?P<entity>{_WORD})\.{_MAJOR}$")


class InvalidName(InvalidInput):
    code = "invalid_name"


@dataclass(frozen=True, order=True)
class FeedName:
    """The three parts every feed name is made of; renders each public name of the feed."""

    domain: str
    entity: str
    major: int

    def __post_init__(self) -> None:
        for part in ("domain", "entity"):
            _check_segment(part, getattr(self, part))
        if not 1 <= self.major <= 9999:
            raise InvalidName(f"major version must be 1..9999, got {self.major}")

    @property
    def event_type(self) -> str:
        return f"{EVENT_TYPE_PREFIX}{self.domain}.{self.entity}.v{self.major}"

    @property
    def topic(self) -> str:
        return f"{TOPIC_PREFIX}{self.domain}.{self.entity}.v{self.major}"

    @property
    def quarantine_topic(self) -> str:
        return quarantine_topic(self.topic)


def _check_segment(what: str, value: str) -> None:
    if not _SEGMENT.match(value):
        raise InvalidName(
            f"{what} {value!r} must be lower-case ASCII words joined by single hyphens (e.g. civil-status)"
        )


def event_type(domain: str, entity: str, major: int) -> str:
    return FeedName(domain, entity, major).event_type


def feed_topic(domain: str, entity: str, major: int) -> str:
    return FeedName(domain, entity, major).topic


def parse_event_type(name: str) -> FeedName:
    match = _EVENT_TYPE.match(name)
    if match is None:
        raise InvalidName(f"event type {name!r} does not match vn.gov.<domain>.<entity>.v<major>")
    return FeedName(match["domain"], match["entity"], int(match["major"]))


def parse_feed_topic(name: str) -> FeedName:
    match = _FEED_TOPIC.match(name)
    if match is None:
        raise InvalidName(f"topic {name!r} does not match gov.<domain>.<entity>.v<major>")
    return FeedName(match["domain"], match["entity"], int(match["major"]))


def quarantine_topic(topic: str) -> str:
    """The quarantine topic of a feed topic (validated, so a typo cannot create a stray topic)."""
    parse_feed_topic(topic)
    return topic + QUARANTINE_SUFFIX


def state_topic(topic: str) -> str:
    """The compacted latest-state topic the hub keeps of a feed topic (ADR 011)."""
    parse_feed_topic(topic)
    return topic + STATE_SUFFIX


def check_subscription_id(subscription_id: str) -> str:
    if not _SUBSCRIPTION_ID.match(subscription_id):
        raise InvalidName(
            f"subscription id {subscription_id!r} must be 1-63 lower-case letters, digits or inner hyphens"
        )
    return subscription_id


def retry_topic(subscription_id: str) -> str:
    return f"{SUBSCRIPTION_TOPIC_PREFIX}{check_subscription_id(subscription_id)}.retry"


def dlq_topic(subscription_id: str) -> str:
    return f"{SUBSCRIPTION_TOPIC_PREFIX}{check_subscription_id(subscription_id)}.dlq"


def backfill_topic(subscription_id: str) -> str:
    """Where a backfill job puts the records one subscription is to receive from current state."""
    return f"{SUBSCRIPTION_TOPIC_PREFIX}{check_subscription_id(subscription_id)}.backfill"


def contract_id(event_type_name: str, version: int) -> str:
    """The URI of one contract version: the JSON Schema ``$id`` and the CloudEvent ``dataschema``."""
    parse_event_type(event_type_name)
    if version < 1:
        raise InvalidName(f"contract version must be >= 1, got {version}")
    return f"{CONTRACT_URN_PREFIX}{event_type_name}:v{version}"


def source_uri(connector: str, table: str) -> str:
    """The CloudEvent ``source`` of a connector's changes to one table (a URI reference)."""
    return f"/connectors/{connector}/{table}"


__all__ = [
    "AUDIT_TOPIC",
    "STATE_SUFFIX",
    "FeedName",
    "InvalidName",
    "backfill_topic",
    "check_subscription_id",
    "contract_id",
    "dlq_topic",
    "event_type",
    "feed_topic",
    "parse_event_type",
    "parse_feed_topic",
    "quarantine_topic",
    "retry_topic",
    "source_uri",
    "state_topic",
]
