"""The subscription model: defaults, strictness, the spec/record split."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from hub.subscriptions import DEFAULT_RETRY_SCHEDULE_S, Subscription, SubscriptionSpec, generate_secret


def spec(**changes: Any) -> SubscriptionSpec:
    data = {"id": "hanoi-civil-status", "endpoint_url": "https://x.example/h", "feeds": ["vn.gov.*"]}
    return SubscriptionSpec.model_validate({**data, **changes})


def test_defaults_follow_standard_webhooks_schedule() -> None:
    sub = spec()
    assert sub.retry.schedule_s == [0, 5, 300, 1800, 7200, 18000, 36000, 36000]
    assert tuple(sub.retry.schedule_s) == DEFAULT_RETRY_SCHEDULE_S
    assert (sub.retry.short_attempts, sub.delivery.mode, sub.delivery.ordering) == (3, "single", "key")


@pytest.mark.parametrize(
    "changes",
    [
        {"id": "-leading-hyphen"},
        {"id": "UPPER"},
        {"feeds": ["has space"]},
        {"unknown": 1},
        {"delivery": {"max_in_flight": 0}},
        {"delivery": {"batch_max_events": 0}},
        {"filter": {"predicates": [{"path": "a b", "op": "eq"}]}},
        {"filter": {"predicates": [{"path": "after.x", "op": "like", "value": "x"}]}},
        {"secret": "whsec_" + "A" * 8},
        {"secret": "no-prefix"},
    ],
)
def test_invalid_specs_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        spec(**changes)


def test_secret_is_input_only() -> None:
    secret = generate_secret()
    given = spec(secret=secret)
    assert given.secret == secret
    assert "secret" not in given.model_dump()
    assert secret not in repr(given)


def test_stored_subscription_gives_back_its_spec_without_state() -> None:
    now = datetime.now(UTC)
    stored = Subscription.model_validate(
        {**spec().model_dump(), "state": "paused", "created_at": now, "updated_at": now}
    )
    assert stored.spec() == spec()
    assert "state" not in stored.spec().model_dump()
