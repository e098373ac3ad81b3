"""Store functions the delivery engine relies on: state changes, generations, secrets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.settings import Settings
from hub.store import migrate
from hub.store import subscriptions as rows
from hub.store.base import Store
from hub.subscriptions import SigningSecrets, SubscriptionSpec, generate_secret


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    url = settings.store_url()
    migrate.upgrade(url)
    store = Store(url)
    yield store
    store.engine.dispose()


def add(store: Store, sub_id: str) -> SigningSecrets:
    secrets = SigningSecrets(generate_secret())
    spec = SubscriptionSpec(id=sub_id, endpoint_url="https://93.184.216.34/", feeds=["vn.gov.*"])
    with store.session() as session:
        rows.insert(session, spec, secrets)
    return secrets


def test_state_changes_bump_generation_and_filter_lists(store: Store) -> None:
    add(store, "a-sub")
    add(store, "b-sub")
    with store.session() as session:
        before = rows.get(session, "a-sub").generation
        paused = rows.set_state(session, "a-sub", "paused", "asked by ops")
        assert (paused.state, paused.status_reason, paused.generation) == (
            "paused",
            "asked by ops",
            before + 1,
        )
        assert rows.set_state(session, "a-sub", "paused", "asked by ops").generation == before + 1
    with store.session() as session:
        running = rows.list_all(session, states=("active", "unhealthy"))
    assert [s.id for s in running] == ["b-sub"]


def test_replace_without_change_keeps_generation(store: Store) -> None:
    add(store, "a-sub")
    with store.session() as session:
        sub = rows.get(session, "a-sub")
        assert rows.replace(session, sub.spec()).generation == sub.generation


def test_secrets_read_back_and_rotation_bumps_generation(store: Store) -> None:
    secrets = add(store, "a-sub")
    with store.session() as session:
        assert rows.signing_secrets(session, "a-sub") == secrets
        generation = rows.get(session, "a-sub").generation
        rotated = secrets.rotated(generate_secret(), overlap_s=60)
        rows.write_secrets(session, "a-sub", rotated)
    with store.session() as session:
        assert rows.signing_secrets(session, "a-sub") == rotated
        assert rows.get(session, "a-sub").generation == generation + 1


def test_a_failed_transaction_changes_nothing(store: Store) -> None:
    add(store, "a-sub")
    with pytest.raises(rows.SubscriptionExists), store.session() as session:
        rows.set_state(session, "a-sub", "paused")
        rows.insert(
            session,
            SubscriptionSpec(id="a-sub", endpoint_url="https://x/", feeds=["*"]),
            SigningSecrets(generate_secret()),
        )
    with store.session() as session:
        assert rows.get(session, "a-sub").state == "active"
