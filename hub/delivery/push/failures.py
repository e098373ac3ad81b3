"""What can go wrong with one push, as errors of the ``DeliveryError`` family::

    DeliveryError (retriable)
    ├── PushFailed            the endpoint answered 408, 429 or 5xx
    ├── PushTimeout           no complete answer within the subscription's timeout
    ├── EndpointUnreachable   no connection (refused, reset, DNS failure...)
    └── PermanentDeliveryError (not retriable)
        ├── PushRejected      any other 4xx: the event goes to the dead letters
        ├── RedirectRefused   a 3xx: pushes never follow redirects (they could aim anywhere)
        ├── EndpointRefused   the endpoint resolves to an address the hub may not reach
        └── EndpointGone      410: the subscriber says the endpoint is gone for good

Each carries what the delivery log and the retry logic need: the HTTP status (if any), the
``Retry-After`` the endpoint asked for (if any), how long the try took and the exchange
(request headers, the answer's body) for the attempt log. Only
``hub.delivery.push.sender`` creates them from httpx outcomes.
"""

from __future__ import annotations

from typing import Any

from hub.delivery.push.exchange import Exchange
from schemas.errors import DeliveryError, PermanentDeliveryError


class _PushFacts(DeliveryError):
    """Adds the facts of the failed try to the family's constructor."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        retry_after_s: float | None = None,
        latency_ms: float = 0.0,
        details: Any = None,
        exchange: Exchange | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.status_code = status_code
        self.retry_after_s = retry_after_s
        self.latency_ms = latency_ms
        self.exchange = exchange  # what was sent and answered, for the attempt log


class PushFailed(_PushFacts):
    code = "push_failed"


class PushTimeout(_PushFacts):
    code = "push_timeout"


class EndpointUnreachable(_PushFacts):
    code = "endpoint_unreachable"


class PushRejected(_PushFacts, PermanentDeliveryError):
    code = "push_rejected"


class RedirectRefused(_PushFacts, PermanentDeliveryError):
    code = "redirect_refused"


class EndpointRefused(_PushFacts, PermanentDeliveryError):
    code = "endpoint_refused"


class EndpointGone(_PushFacts, PermanentDeliveryError):
    code = "endpoint_gone"


PushError = _PushFacts

__all__ = [
    "EndpointGone",
    "EndpointRefused",
    "EndpointUnreachable",
    "PushError",
    "PushFailed",
    "PushRejected",
    "PushTimeout",
    "RedirectRefused",
]
