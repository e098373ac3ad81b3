from __future__ import annotations

from pydantic import BaseModel

from hub.reference import subscriptions_page
from hub.subscriptions.model import (
    DeliveryOptions,
    Predicate,
    RetryPolicy,
    SubscriptionFilter,
    SubscriptionSpec,
)

MODELS: tuple[type[BaseModel], ...] = (
    SubscriptionSpec,
    SubscriptionFilter,
    Predicate,
    DeliveryOptions,
    RetryPolicy,
)


def test_every_field_a_subscriber_writes_is_described() -> None:
    missing = [
        f"{m.__name__}.{name}" for m in MODELS for name, f in m.model_fields.items() if not f.description
    ]
    assert not missing, f"add a description to: {missing}"


def test_each_model_has_its_section_with_types_defaults_and_bounds() -> None:
    page = subscriptions_page.render()
    for model in MODELS:
        assert f"## {model.__name__}\n" in page
    assert "| `delivery` | [DeliveryOptions](#deliveryoptions) | (built) |" in page
    assert "| `max_in_flight` | integer | `8` | >= 1, \\<= 1000 | concurrent requests |" in page
    assert (
        '| `start` | `earliest` \\| `now` \\| `backfill` \\| time with zone (RFC 3339) | `"earliest"` |'
        in page
    )
    assert "| `feeds` | list of string | *required* | items >= 1, items \\<= 100 |" in page
