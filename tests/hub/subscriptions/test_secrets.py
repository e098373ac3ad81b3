"""Signing secrets: format, rotation overlap, multi-signature header verified by the library."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from hub.delivery.push.signing import webhook_headers
from hub.subscriptions.secrets import SigningSecrets, check_secret, generate_secret


def test_generated_secret_has_the_standard_format() -> None:
    secret = generate_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[6:])) == 32
    check_secret(secret)
    assert generate_secret() != secret


@pytest.mark.parametrize("bad", ["abc", "whsec_!!!", "whsec_" + base64.b64encode(b"x" * 8).decode()])
def test_malformed_secrets_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="secret"):
        check_secret(bad)


def test_overlap_keeps_previous_until_expiry() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    old, new = generate_secret(), generate_secret()
    secrets = SigningSecrets(old).rotated(new, overlap_s=3600, now=now)
    assert secrets.active(now) == [new, old]
    assert secrets.active(now + timedelta(hours=1)) == [new]
    assert SigningSecrets(old).rotated(new, overlap_s=0, now=now).active(now) == [new]


def test_signature_header_verifies_with_each_active_secret() -> None:
    old, new = generate_secret(), generate_secret()
    now = datetime.now(UTC)
    secrets = SigningSecrets(old).rotated(new, overlap_s=60, now=now)
    body = '{"id": "e1"}'
    headers = webhook_headers(secrets.active(now), "m1", int(now.timestamp()), body.encode())
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert Webhook(secret).verify(body, headers) == {"id": "e1"}
