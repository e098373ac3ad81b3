"""The supervisor's stamp moves with every change it must act on, and only then."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from hub.delivery.control.store_changes import stamp
from hub.store import access, migrate
from hub.store import subscriptions as stored
from hub.store.access import GrantRow, OrganisationRow
from hub.store.base import Store, utcnow
from hub.subscriptions.model import SubscriptionSpec
from hub.subscriptions.secrets import SigningSecrets, generate_secret


@pytest.fixture
def store(tmp_path: Path) -> Store:
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    migrate.upgrade(url)
    return Store(url)


def _now(store: Store, *, grants: bool = False) -> tuple[object, ...]:
    with store.session() as session:
        return stamp(session, grants=grants)


def _spec(sid: str) -> SubscriptionSpec:
    return SubscriptionSpec(id=sid, endpoint_url="https://portal.example/hook", feeds=["vn.gov.land.*"])


def test_every_change_of_a_subscription_moves_the_stamp_and_nothing_else_does(store: Store) -> None:
    seen = [_now(store)]
    with store.session() as session:
        stored.insert(session, _spec("ha-noi"), SigningSecrets(generate_secret()))
    seen.append(_now(store))
    assert _now(store) == seen[-1]  # nothing changed: the same stamp, no full read
    with store.session() as session:
        stored.set_state(session, "ha-noi", "paused", "by its owner")
    seen.append(_now(store))
    with store.session() as session:
        stored.write_secrets(session, "ha-noi", SigningSecrets(generate_secret()))
    seen.append(_now(store))
    with store.session() as session:
        stored.delete(session, "ha-noi")
    seen.append(_now(store))
    assert len(set(seen[1:])) == 4
    assert seen[-1][:2] == seen[0][:2]  # back to none (the count and generations tell the delete)


def test_grants_move_the_stamp_when_created_revoked_or_expired(store: Store) -> None:
    now = utcnow()
    with store.session() as session:
        access.add_org(
            session, OrganisationRow(code="QN", name="Quang Ninh", kind="province", roles=[], domains=[])
        )
        session.add(
            GrantRow(
                org_code="QN", feed="vn.gov.land.*", admin_unit="*", purpose="p", legal_basis="l",
                expires_at=now + timedelta(hours=1), created_by="test",
            )
        )  # fmt: skip
    with store.session() as session:
        created = stamp(session, grants=True, now=now)
        expired = stamp(session, grants=True, now=now + timedelta(hours=2))
        assert expired != created  # nothing written: time alone passed the expiry
        access.grants(session)[0].revoked_at = now
        session.flush()
        assert stamp(session, grants=True, now=now) != created
