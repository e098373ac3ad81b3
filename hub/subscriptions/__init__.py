"""Subscriptions: the declared contract between the hub and one subscriber's endpoint.

``model`` holds the pydantic spec and stored record, ``secrets`` the signing secrets and their
rotation; ``service`` validates and persists them (endpoint safety, feeds, admin units).
"""

from hub.subscriptions.model import (
    DEFAULT_RETRY_SCHEDULE_S,
    DeliveryOptions,
    Predicate,
    RetryPolicy,
    Subscription,
    SubscriptionFilter,
    SubscriptionSpec,
    SubscriptionState,
)
from hub.subscriptions.secrets import SigningSecrets, generate_secret

__all__ = [
    "DEFAULT_RETRY_SCHEDULE_S",
    "DeliveryOptions",
    "Predicate",
    "RetryPolicy",
    "SigningSecrets",
    "Subscription",
    "SubscriptionFilter",
    "SubscriptionSpec",
    "SubscriptionState",
    "generate_secret",
]
