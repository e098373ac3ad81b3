"""Secrets at rest: one Fernet key ring per process, and column types that use it.

Signing secrets and connector credentials are encrypted with ``cryptography``'s Fernet
(AES-128-CBC + HMAC-SHA256, authenticated) through ``MultiFernet``, so keys rotate without a
flag day: ``HUB_SECRET_KEY`` holds one or more comma-separated Fernet keys, the first encrypts,
all decrypt, and ``SecretBox.rotate`` re-encrypts a value under the first.

When ``HUB_SECRET_KEY`` is unset (development), a key is generated once into
``<state_dir>/secret.key`` (mode 0600) and a warning says so; production sets the variable.

The process's box is installed by the API factory (``install``) and found lazily elsewhere
(``current``), so store modules need no settings: ``EncryptedText`` / ``EncryptedJSON`` columns
encrypt on write and decrypt on read, and a value that cannot be decrypted (wrong key) fails
loudly with ``secret_key_mismatch`` rather than being returned garbled.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from hub.settings import Settings, get_settings
from schemas.errors import ConfigurationError

log = logging.getLogger(__name__)
DEV_KEY_FILE = "secret.key"
LEGACY_PLAINTEXT_PREFIX = "whsec_"  # signing secrets stored before encryption existed
LEGACY_JSON_PREFIX = "{"  # connector configs stored before; a Fernet token never starts so


class InvalidSecretKey(ConfigurationError):
    code = "invalid_secret_key"


class SecretKeyMismatch(ConfigurationError):
    code = "secret_key_mismatch"


class SecretBox:
    """Encrypts and decrypts text with a Fernet key ring (first key primary)."""

    def __init__(self, keys: Sequence[bytes | str]) -> None:
        if not keys:
            raise InvalidSecretKey("no secret key given")
        try:
            self._ring = MultiFernet([Fernet(key) for key in keys])
        except (ValueError, TypeError) as exc:
            raise InvalidSecretKey("a secret key is not a Fernet key (32 url-safe base64 bytes)") from exc

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        if settings.secret_key is not None:
            keys = [k.strip() for k in settings.secret_key.get_secret_value().split(",") if k.strip()]
            return cls(keys)
        return cls([_dev_key(settings.state_dir)])

    def encrypt(self, plaintext: str) -> str:
        return self._ring.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._ring.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise SecretKeyMismatch(
                "a stored secret cannot be decrypted with the configured HUB_SECRET_KEY"
            ) from exc

    def rotate(self, token: str) -> str:
        """The same secret, re-encrypted under the primary key (after adding a new first key)."""
        try:
            return self._ring.rotate(token.encode()).decode()
        except InvalidToken as exc:
            raise SecretKeyMismatch("a stored secret cannot be decrypted for rotation") from exc


def _dev_key(state_dir: Path) -> bytes:
    path = state_dir / DEV_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(Fernet.generate_key())
        log.warning("HUB_SECRET_KEY is unset: generated a development key in %s", path)
    else:
        log.warning("HUB_SECRET_KEY is unset: using the development key in %s", path)
    return path.read_bytes().strip()


_installed: SecretBox | None = None


def install(box: SecretBox) -> None:
    """Make ``box`` the process's key ring (the API factory does this from its settings)."""
    global _installed
    _installed = box


def current() -> SecretBox:
    """The process's key ring, built from the environment's settings on first use."""
    if _installed is None:
        install(SecretBox.from_settings(get_settings()))
    assert _installed is not None
    return _installed


class EncryptedText(TypeDecorator[str]):
    """A text column stored encrypted. Legacy plaintext signing secrets are still read."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else current().encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None or value.startswith(LEGACY_PLAINTEXT_PREFIX):
            return value
        return current().decrypt(value)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON object stored encrypted (a connector config with its credentials). Legacy plain
    documents are still read."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else current().encrypt(json.dumps(value, ensure_ascii=False))

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        if value is None:
            return None
        if value.startswith(LEGACY_JSON_PREFIX):  # stored before encryption existed
            return json.loads(value)
        return json.loads(current().decrypt(value))


__all__ = [
    "EncryptedJSON",
    "EncryptedText",
    "InvalidSecretKey",
    "SecretBox",
    "SecretKeyMismatch",
    "current",
    "install",
]
