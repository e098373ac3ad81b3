"""Signing secrets in the Standard Webhooks format (``whsec_`` + base64 of random bytes), and their
rotation with an overlap.

During the overlap the hub signs every push with both the new and the previous secret (the
``webhook-signature`` header carries several space-separated signatures, written by
``hub.delivery.push.signing``), so a subscriber can switch its verifier to the new secret whenever it
likes without a single push failing.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

PREFIX = "whsec_"
SECRET_BYTES = 32
MIN_BYTES, MAX_BYTES = 24, 64  # the range the Standard Webhooks spec recommends
DEFAULT_OVERLAP_S = 24 * 3600.0


def generate_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def check_secret(secret: str) -> None:
    """Raise ``ValueError`` saying what is wrong, so it reads well inside a pydantic error."""
    if not secret.startswith(PREFIX):
        raise ValueError(f"a signing secret starts with '{PREFIX}'")
    try:
        raw = base64.b64decode(secret[len(PREFIX) :], validate=True)
    except binascii.Error as exc:
        raise ValueError("a signing secret is 'whsec_' followed by base64") from exc
    if not MIN_BYTES <= len(raw) <= MAX_BYTES:
        raise ValueError(f"a signing secret holds {MIN_BYTES} to {MAX_BYTES} random bytes")


@dataclass(frozen=True)
class SigningSecrets:
    """The secret in force and, during a rotation overlap, the one it replaced."""

    current: str
    previous: str | None = None
    previous_expires_at: datetime | None = None

    def active(self, now: datetime | None = None) -> list[str]:
        """Secrets to sign with now, current first."""
        now = now or datetime.now(UTC)
        if self.previous and self.previous_expires_at and now < self.previous_expires_at:
            return [self.current, self.previous]
        return [self.current]

    def rotated(self, new: str, *, overlap_s: float, now: datetime | None = None) -> SigningSecrets:
        """Make ``new`` current; the old current keeps signing for ``overlap_s`` (0 = drop it now)."""
        check_secret(new)
        now = now or datetime.now(UTC)
        if overlap_s <= 0:
            return SigningSecrets(current=new)
        return SigningSecrets(new, self.current, now + timedelta(seconds=overlap_s))


__all__ = ["DEFAULT_OVERLAP_S", "SigningSecrets", "check_secret", "generate_secret"]
