"""Token format, digest and lifecycle states (pure logic)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.access import tokens
from hub.access.errors import InvalidToken, TokenExpired, TokenRevoked
from hub.telemetry.logs import redact

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_new_token_parses_back_and_its_digest_matches() -> None:
    new = tokens.new_token()
    parsed = tokens.parse(new.text)
    assert parsed == new
    assert tokens.secret_matches(parsed.secret, new.digest)
    assert not tokens.secret_matches(parsed.secret + "x", new.digest)
    assert new.secret not in new.digest and len(new.digest) == 64


def test_tokens_are_unique_and_random() -> None:
    made = {tokens.new_token().text for _ in range(200)}
    assert len(made) == 200


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hub_",
        "Bearer hub_x",
        "hub_0123456789abcdef",
        "hub_0123456789ABCDEF_" + "a" * 43,
        "gho_" + "a" * 60,
    ],
)
def test_anything_else_is_an_invalid_token(text: str) -> None:
    with pytest.raises(InvalidToken) as caught:
        tokens.parse(text)
    assert caught.value.code == "invalid_token" and caught.value.status == 401


def test_states_follow_expiry_and_revocation() -> None:
    later = NOW + timedelta(days=1)
    assert tokens.state(later, None, NOW) == "active"
    assert tokens.state(NOW, None, NOW) == "expired"
    assert tokens.state(later, NOW, NOW) == "revoked"
    assert tokens.state(later, later, NOW) == "active"  # a rotation overlap: revoked in the future


def test_check_usable_raises_the_specific_code() -> None:
    tokens.check_usable(NOW + timedelta(seconds=1), None, NOW)
    with pytest.raises(TokenExpired):
        tokens.check_usable(NOW - timedelta(seconds=1), None, NOW)
    with pytest.raises(TokenRevoked):
        tokens.check_usable(NOW + timedelta(days=1), NOW - timedelta(seconds=1), NOW)


def test_log_redaction_hides_a_token() -> None:
    text = tokens.new_token().text
    assert text not in redact(f"request with {text} failed") and "hub_***" in redact(text)
