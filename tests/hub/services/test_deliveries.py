"""The delivery service: replay requests belong to their subscription, and need one to exist."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from hub.access.principals import Principal
from hub.services.deliveries import AttemptQuery, DeliveryService
from hub.settings import Settings
from hub.store import deliveries, migrate
from hub.store.base import Store
from hub.store.subscriptions import SubscriptionNotFound
from schemas.errors import NotFound

ADMIN = Principal(org="000.00.00.H01", roles=frozenset({"admin"}))


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    migrate.upgrade(settings.store_url())
    store = Store(settings.store_url())
    yield store
    store.engine.dispose()


def test_a_replay_is_found_only_under_its_own_subscription(store: Store) -> None:
    with store.session() as session:
        made = deliveries.request_replay(session, "hanoi-births", datetime(2025, 7, 1, tzinfo=UTC))
    service = DeliveryService(store)
    assert service.replay("hanoi-births", made.id).state == "pending"
    with pytest.raises(NotFound):
        service.replay("hue-births", made.id)


def test_a_replay_of_an_unknown_subscription_is_refused(store: Store) -> None:
    with pytest.raises(SubscriptionNotFound):
        DeliveryService(store).request_replay(ADMIN, "nobody", datetime(2025, 7, 1, tzinfo=UTC))


def test_no_attempts_yet_is_an_empty_page(store: Store) -> None:
    query = AttemptQuery(subscription_id="hanoi-births", limit=10)
    assert DeliveryService(store).attempts(query) == []
