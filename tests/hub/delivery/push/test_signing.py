"""Signatures written with hmac from the spec verify with the standardwebhooks package."""

from __future__ import annotations

import time

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from hub.delivery.push.signing import sign, webhook_headers
from hub.subscriptions.secrets import generate_secret

BODY = '{"specversion":"1.0","id":"e-1","data":{"tên":"Hà Nội"}}'.encode()


def test_signature_verifies_with_the_reference_library() -> None:
    secret = generate_secret()
    headers = webhook_headers([secret], "e-1", int(time.time()), BODY)
    Webhook(secret).verify(BODY, headers, json_parse=False)  # raises when wrong


def test_each_active_secret_signs_so_either_verifies() -> None:
    new, old = generate_secret(), generate_secret()
    headers = webhook_headers([new, old], "e-2", int(time.time()), BODY)
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (new, old):
        Webhook(secret).verify(BODY, headers, json_parse=False)


def test_tampered_body_or_wrong_secret_fails_verification() -> None:
    secret = generate_secret()
    headers = webhook_headers([secret], "e-3", int(time.time()), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY + b" ", headers, json_parse=False)
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(BODY, headers, json_parse=False)


def test_sign_matches_the_library_signature_exactly() -> None:
    from datetime import UTC, datetime

    secret, at = generate_secret(), 1_750_000_000
    expected = Webhook(secret).sign("msg", datetime.fromtimestamp(at, UTC), BODY.decode())
    assert sign(secret, "msg", at, BODY) == expected


def test_no_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="secret"):
        webhook_headers([], "e", 0, b"")
