"""What one push put on the wire and what came back, as the attempt log keeps it.

A subscriber debugging its receiver needs the request exactly as the hub sent it (the Standard
Webhooks headers, content type, traceparent, the grant headers) and the endpoint's answer; an
operator reading the log must never see a credential. So the request's headers are recorded
with every secret-like value replaced by ``REDACTED`` (``Authorization``, cookies, anything
named like a key, token, secret or password, and any name the deployment lists in
``HUB_ATTEMPT_REDACTED_HEADERS``), and the answer's body is kept up to ``BODY_LIMIT_BYTES``,
marked ``truncated`` when it was longer. Recording costs one small dict per try: the body is
read anyway (a fully read response keeps its pooled connection).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

import httpx

BODY_LIMIT_BYTES = 2048
REDACTED = "[redacted]"
ALWAYS_SECRET: frozenset[str] = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"}
)
_SECRET_LIKE = re.compile(r"(secret|token|passw|api[-_]?key|credential|session|auth)", re.IGNORECASE)
NOT_SECRET: frozenset[str] = frozenset({"webhook-signature"})  # a signature is proof, not a key


@dataclass(frozen=True)
class Redaction:
    """Which request headers are recorded as ``REDACTED`` (names compared lower-case)."""

    extra: frozenset[str] = frozenset()

    @classmethod
    def of(cls, names: Iterable[str]) -> Redaction:
        return cls(frozenset(name.strip().lower() for name in names if name.strip()))

    def hides(self, name: str) -> bool:
        return _hides(self.extra, name.lower())

    def headers(self, headers: httpx.Headers) -> dict[str, str]:
        """The headers as sent, lower-case names, secret values replaced."""
        return {name: REDACTED if _hides(self.extra, name) else value for name, value in headers.items()}


@functools.lru_cache(maxsize=1024)
def _hides(extra: frozenset[str], lowered: str) -> bool:
    """Decided once per header name (every push sends the same few: a regex search each was a
    few per cent of a push's CPU)."""
    if lowered in extra or lowered in ALWAYS_SECRET:
        return True
    return lowered not in NOT_SECRET and bool(_SECRET_LIKE.search(lowered))


DEFAULT_REDACTION = Redaction()


@dataclass(frozen=True)
class Exchange:
    """One try's request headers (redacted) and the endpoint's answer, bounded."""

    request_headers: dict[str, str]
    response_content_type: str | None = None
    response_body: str | None = None
    response_truncated: bool = False

    def answered(self, response: httpx.Response, body: bytes) -> Exchange:
        """This exchange with the answer: ``body`` read with at most one byte past the limit."""
        return Exchange(
            self.request_headers,
            response.headers.get("content-type"),
            body[:BODY_LIMIT_BYTES].decode(errors="replace"),
            len(body) > BODY_LIMIT_BYTES,
        )

    def log_fields(self) -> dict[str, object]:
        """The attempt-log columns this exchange fills."""
        return {
            "request_headers": self.request_headers,
            "response_content_type": (self.response_content_type or "")[:200] or None,
            "response_body": self.response_body,
            "response_truncated": self.response_truncated,
        }


__all__ = [
    "ALWAYS_SECRET",
    "BODY_LIMIT_BYTES",
    "DEFAULT_REDACTION",
    "REDACTED",
    "Exchange",
    "Redaction",
]
