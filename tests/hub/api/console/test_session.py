"""The session cookie: sealed by the hub's key ring, refused when forged, foreign or too old."""

from __future__ import annotations

import time

from cryptography.fernet import Fernet

from hub.api.console.session import SESSION_MAX_AGE_S, Session, seal, unseal
from hub.store.crypto import SecretBox


def box() -> SecretBox:
    return SecretBox([Fernet.generate_key()])


def test_a_sealed_session_opens_with_the_same_key_and_hides_the_token() -> None:
    sealer = box()
    session = Session.fresh("en").signed_in("hub_abc_secret")
    sealed = seal(sealer, session)
    assert "hub_abc_secret" not in sealed
    assert unseal(sealer, sealed) == session


def test_a_forged_a_foreign_and_an_absent_cookie_give_no_session() -> None:
    sealed = seal(box(), Session.fresh().signed_in("hub_abc_secret"))
    assert unseal(box(), sealed) is None  # sealed under another key
    assert unseal(box(), sealed[:-4] + "AAAA") is None
    assert unseal(box(), "not a cookie") is None
    assert unseal(box(), None) is None


def test_a_session_is_refused_once_older_than_its_maximum_age() -> None:
    sealer = box()
    sealed = seal(sealer, Session.fresh().signed_in("hub_abc_secret"))
    now = time.time()
    assert unseal(sealer, sealed, now=now + SESSION_MAX_AGE_S - 60) is not None
    assert unseal(sealer, sealed, now=now + SESSION_MAX_AGE_S + 60) is None


def test_signing_in_and_out_renews_the_csrf_secret_and_keeps_the_language() -> None:
    anonymous = Session.fresh("en")
    signed_in = anonymous.signed_in("hub_abc_secret")
    signed_out = signed_in.signed_out()
    assert len({anonymous.csrf, signed_in.csrf, signed_out.csrf}) == 3
    assert (signed_in.lang, signed_out.lang, signed_out.token) == ("en", "en", None)
