"""The HTTP push, and THE place where httpx outcomes become delivery results or errors.

One ``Sender`` per subscription: its own pooled ``httpx.AsyncClient`` (through the endpoint
safety transport, no redirects, the subscription's timeout), so a slow endpoint only ever
uses its own connections. Classification, decided once here:

- 2xx: delivered;
- 408, 429, 5xx, timeouts, connection failures: ``DeliveryError`` subclasses (retriable),
  carrying ``Retry-After`` when the endpoint sent one;
- 410: ``EndpointGone`` (the subscription is disabled by the caller);
- 3xx and any other 4xx: permanent (``RedirectRefused`` / ``PushRejected``): dead letters.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from hub.delivery.push import signing
from hub.delivery.push.exchange import BODY_LIMIT_BYTES, DEFAULT_REDACTION, Exchange, Redaction
from hub.delivery.push.failures import (
    EndpointGone,
    EndpointRefused,
    EndpointUnreachable,
    PushError,
    PushFailed,
    PushRejected,
    PushTimeout,
    RedirectRefused,
)
from hub.endpoint_safety import read_capped
from hub.subscriptions.secrets import SigningSecrets
from schemas.errors import UnsafeEndpoint

RETRIABLE_STATUSES = frozenset({408, 429})
ERROR_BODY_BYTES = 512
USER_AGENT = "gov-data-hub-webhooks/1"


@dataclass(frozen=True)
class Push:
    """One request: ``msg_id`` is the ``webhook-id`` (the event id, or the batch id)."""

    msg_id: str
    body: bytes
    content_type: str
    traceparent: str | None = None


@dataclass(frozen=True)
class Accepted:
    """A 2xx answer."""

    status_code: int
    latency_ms: float
    exchange: Exchange | None = None  # what was sent and answered, for the attempt log


class Sender:
    def __init__(
        self,
        url: str,
        client: httpx.AsyncClient,
        secrets: SigningSecrets,
        redaction: Redaction = DEFAULT_REDACTION,
    ) -> None:
        self.url = url
        self.secrets = secrets
        self.redaction = redaction
        self._client = client

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(self, push: Push) -> Accepted:
        """Deliver ``push`` once; raise a ``DeliveryError`` subclass saying why it was not."""
        request = self._request(push)
        sent = Exchange(self.redaction.headers(request.headers))
        started = time.perf_counter()
        try:
            response = await self._client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise PushTimeout(
                f"no answer in time ({type(exc).__name__})", latency_ms=_ms(started), exchange=sent
            ) from exc
        except httpx.TransportError as exc:
            raise EndpointUnreachable(
                f"{type(exc).__name__}: {exc}", latency_ms=_ms(started), exchange=sent
            ) from exc
        except UnsafeEndpoint as exc:
            raise EndpointRefused(exc.message, latency_ms=_ms(started), exchange=sent) from exc
        try:  # read (a little of) every answer: a fully read response keeps its pooled connection
            excerpt = await read_capped(response, BODY_LIMIT_BYTES + 1)
        except (httpx.HTTPError, httpx.StreamError):
            excerpt = b""  # the status decides; the excerpt only helps a human
        finally:
            await response.aclose()
        return classify(response, excerpt, _ms(started), sent.answered(response, excerpt))

    def _request(self, push: Push) -> httpx.Request:
        now = datetime.now(UTC)
        headers = signing.webhook_headers(
            self.secrets.active(now), push.msg_id, int(now.timestamp()), push.body
        )
        headers["content-type"] = push.content_type
        headers["user-agent"] = USER_AGENT
        if push.traceparent:
            headers["traceparent"] = push.traceparent
        return self._client.build_request("POST", self.url, content=push.body, headers=headers)


def classify(
    response: httpx.Response, excerpt: bytes, latency_ms: float, exchange: Exchange | None = None
) -> Accepted:
    """Accepted for a 2xx; otherwise raise the error that says what to do next."""
    status = response.status_code
    if 200 <= status < 300:
        return Accepted(status, latency_ms, exchange)
    text = excerpt[:ERROR_BODY_BYTES].decode(errors="replace").strip()
    message = f"HTTP {status}" + (f": {text}" if text else "")
    error_type: type[PushError]
    if status == 410:
        error_type = EndpointGone
    elif status in RETRIABLE_STATUSES or status >= 500:
        error_type = PushFailed
    elif 300 <= status < 400:
        error_type = RedirectRefused
    else:
        error_type = PushRejected
    retry_after = retry_after_s(response.headers.get("retry-after"))
    raise error_type(
        message, status_code=status, retry_after_s=retry_after, latency_ms=latency_ms, exchange=exchange
    )


def retry_after_s(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from now: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


__all__ = ["Accepted", "Push", "Sender", "classify", "retry_after_s"]
