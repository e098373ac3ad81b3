"""Standard Webhooks signatures, written from the spec with ``hmac`` (no SDK on the sending side).

The signed content is ``<webhook-id>.<webhook-timestamp>.<body>``; the key is the base64-decoded
part of the ``whsec_`` secret; the signature is ``v1,<base64 of HMAC-SHA256>``. During a secret
rotation the header carries one signature per active secret, space-separated, so receivers
verifying with either secret accept the push. Any Standard Webhooks library verifies these
headers (the tests check it with the ``standardwebhooks`` package).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"  # noqa: S105  # the format marker, not a secret
SIGNATURE_VERSION = "v1"


def secret_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, msg_id: str, timestamp_s: int, body: bytes) -> str:
    """One ``v1,<signature>`` for ``body`` sent as message ``msg_id`` at ``timestamp_s``."""
    content = f"{msg_id}.{timestamp_s}.".encode() + body
    digest = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def webhook_headers(secrets: Sequence[str], msg_id: str, timestamp_s: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with every secret in ``secrets``."""
    if not secrets:
        raise ValueError("at least one signing secret is needed")
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp_s),
        "webhook-signature": " ".join(sign(s, msg_id, timestamp_s, body) for s in secrets),
    }


__all__ = ["sign", "webhook_headers"]
