"""API tokens: what one looks like, how it is checked, and what the API shows about it.

A token reads ``hub_<id>_<secret>``: ``id`` (16 hex digits) finds the stored record and is safe
to show and log; ``secret`` is 32 random bytes (url-safe base64), shown once at issue and
stored only as its SHA-256 digest. A fast digest is enough here (unlike passwords): 256 random
bits cannot be guessed from a leaked digest, and the check must stay cheap on every request.
Comparison is constant-time. The ``hub_`` prefix lets log redaction and secret scanners find
tokens that leaked into text.

A token expires (every token has an ``expires_at``, at most ``MAX_TTL_DAYS`` ahead), can be
revoked, and can be rotated: the new token replaces the old, which stays valid for an optional
overlap so a deployment can switch without a failed request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.access.errors import InvalidToken, TokenExpired, TokenRevoked
from hub.access.principals import AgencyCode, Role

PREFIX = "hub_"
ID_BYTES = 8
SECRET_BYTES = 32
DEFAULT_TTL_DAYS = 90
MAX_TTL_DAYS = 366
_FORMAT = re.compile(r"^hub_(?P<id>[0-9a-f]{16})_(?P<secret>[A-Za-z0-9_-]{43})$")

TokenState = Literal["active", "expired", "revoked"]


@dataclass(frozen=True)
class NewToken:
    id: str
    secret: str

    @property
    def text(self) -> str:
        """The whole token, as the caller sends it (``Authorization: Bearer <text>``)."""
        return f"{PREFIX}{self.id}_{self.secret}"

    @property
    def digest(self) -> str:
        return digest(self.secret)


def new_token() -> NewToken:
    return NewToken(secrets.token_hex(ID_BYTES), secrets.token_urlsafe(SECRET_BYTES))


def parse(text: str) -> NewToken:
    """Split a presented token; ``InvalidToken`` when it is not one of ours."""
    match = _FORMAT.match(text.strip())
    if match is None:
        raise InvalidToken("the bearer token is malformed")
    return NewToken(match["id"], match["secret"])


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_digest)


def state(expires_at: datetime, revoked_at: datetime | None, now: datetime) -> TokenState:
    if revoked_at is not None and revoked_at <= now:
        return "revoked"
    if expires_at <= now:
        return "expired"
    return "active"


def check_usable(expires_at: datetime, revoked_at: datetime | None, now: datetime) -> None:
    """Raise ``token_revoked`` / ``token_expired`` for a token that no longer opens anything."""
    found = state(expires_at, revoked_at, now)
    if found == "revoked":
        raise TokenRevoked("the token has been revoked")
    if found == "expired":
        raise TokenExpired("the token has expired")


class TokenSpec(BaseModel):
    """A token request: for which organisation, under what name, for how long, with which roles."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_max_length=10_000)

    org: AgencyCode
    name: str = Field(min_length=1, max_length=100, description="what the token is for")
    ttl_days: int = Field(default=DEFAULT_TTL_DAYS, ge=1, le=MAX_TTL_DAYS)
    roles: list[Role] | None = Field(
        default=None, max_length=5, description="narrow the organisation's roles (default: all of them)"
    )


class TokenInfo(BaseModel):
    """What the API shows about a token: never the secret, never the digest."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    org: str = Field(validation_alias="org_code")
    name: str
    roles: list[Role] | None
    state: TokenState
    created_at: datetime
    created_by: str
    expires_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    last_used_at: datetime | None
    replaced_by: str | None


class IssuedToken(BaseModel):
    token: TokenInfo
    secret: str = Field(description="the token to send as 'Authorization: Bearer ...'; shown only here")


__all__ = [
    "DEFAULT_TTL_DAYS",
    "MAX_TTL_DAYS",
    "IssuedToken",
    "NewToken",
    "TokenInfo",
    "TokenSpec",
    "check_usable",
    "digest",
    "new_token",
    "parse",
    "secret_matches",
    "state",
]
