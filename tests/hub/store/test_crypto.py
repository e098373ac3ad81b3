"""Secrets at rest: Fernet key ring, key rotation, and what the store's columns really hold."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import text

from connectors.registry import parse_config
from hub.settings import Settings
from hub.store import connectors as stored_connectors
from hub.store import crypto, migrate
from hub.store import subscriptions as stored_subscriptions
from hub.store.base import Store
from hub.store.crypto import InvalidSecretKey, SecretBox, SecretKeyMismatch
from hub.subscriptions.model import SubscriptionSpec
from hub.subscriptions.secrets import SigningSecrets, generate_secret

PASSWORD = "p4ss-word-that-must-not-leak"


@pytest.fixture
def installed() -> Iterator[None]:
    """Tests below install their own key ring; put the process's back afterwards."""
    previous = crypto._installed
    yield
    crypto._installed = previous


def test_round_trip_and_no_plaintext_in_the_token() -> None:
    box = SecretBox([Fernet.generate_key()])
    token = box.encrypt("whsec_abc")
    assert "whsec_abc" not in token and box.decrypt(token) == "whsec_abc"
    assert box.encrypt("whsec_abc") != token  # random IV: equal secrets do not look equal


def test_key_rotation_old_values_stay_readable_and_move_to_the_new_key() -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    stored = SecretBox([old]).encrypt("secret")
    ring = SecretBox([new, old])
    assert ring.decrypt(stored) == "secret"
    rotated = ring.rotate(stored)
    assert SecretBox([new]).decrypt(rotated) == "secret"
    with pytest.raises(SecretKeyMismatch):
        SecretBox([old]).decrypt(rotated)


def test_a_wrong_key_fails_loudly_with_its_code() -> None:
    stored = SecretBox([Fernet.generate_key()]).encrypt("secret")
    with pytest.raises(SecretKeyMismatch) as caught:
        SecretBox([Fernet.generate_key()]).decrypt(stored)
    assert caught.value.code == "secret_key_mismatch"


@pytest.mark.parametrize("keys", [[], ["not-a-key"], [b"short"]])
def test_malformed_keys_are_refused(keys: list[str | bytes]) -> None:
    with pytest.raises(InvalidSecretKey):
        SecretBox(keys)


def test_keys_from_settings_comma_separated(settings: Settings) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    stored = SecretBox([old]).encrypt("x")
    box = SecretBox.from_settings(settings.model_copy(update={"secret_key": SecretStr(f"{new}, {old}")}))
    assert box.decrypt(stored) == "x"
    assert SecretBox([new]).decrypt(box.encrypt("y")) == "y"


def test_dev_key_is_generated_once_private_and_warned_about(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    local = settings.model_copy(update={"secret_key": None, "state_dir": tmp_path / "state"})
    first = SecretBox.from_settings(local).encrypt("x")
    assert SecretBox.from_settings(local).decrypt(first) == "x"
    key_file = tmp_path / "state" / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert any("HUB_SECRET_KEY is unset" in r.getMessage() for r in caplog.records)


@pytest.fixture
def store(settings: Settings, installed: None) -> Iterator[Store]:
    crypto.install(SecretBox([Fernet.generate_key()]))
    migrate.upgrade(settings.store_url())
    made = Store(settings.store_url())
    yield made
    made.engine.dispose()


def test_signing_secrets_are_ciphertext_in_the_store(store: Store) -> None:
    secret = generate_secret()
    spec = SubscriptionSpec(id="a", endpoint_url="https://93.184.216.34/", feeds=["vn.gov.land.*"])
    with store.session() as session:
        stored_subscriptions.insert(session, spec, SigningSecrets(secret))
    with store.session() as session:
        raw = session.execute(text("SELECT secret_current FROM subscriptions")).scalar_one()
        assert secret not in raw and raw.startswith("gAAAAA")
        assert stored_subscriptions.signing_secrets(session, "a").current == secret


def test_connector_configs_are_ciphertext_in_the_store(store: Store, tmp_path: Path) -> None:
    config = parse_config(
        {
            "name": "land-db", "kind": "sql_polling", "url": f"sqlite:///{tmp_path / 'src.db'}",
            "password": PASSWORD, "feeds": [{"table": "main.parcels", "event_type": "vn.gov.land.parcel.v1"}],
        }
    )  # fmt: skip
    with store.session() as session:
        stored_connectors.insert(session, config)
    with store.session() as session:
        raw = session.execute(text("SELECT config FROM connectors")).scalar_one()
        assert PASSWORD not in raw and "parcels" not in raw
        assert stored_connectors.get(session, "land-db").document["password"] == PASSWORD


def test_rows_stored_before_encryption_are_still_read(store: Store) -> None:
    legacy = generate_secret()
    with store.session() as session:
        session.execute(
            text("INSERT INTO subscriptions (id, owner, spec, state, generation, created_at, updated_at, "
                 "secret_current) VALUES ('old', NULL, :spec, 'active', 1, :now, :now, :secret)"),
            {"spec": '{"endpoint_url": "https://93.184.216.34/", "feeds": ["x"]}',
             "now": "2025-01-01 00:00:00", "secret": legacy},
        )  # fmt: skip
    with store.session() as session:
        assert stored_subscriptions.signing_secrets(session, "old").current == legacy
