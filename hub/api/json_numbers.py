"""JSON bodies with non-finite numbers are refused before any route reads them.

Python's JSON reader accepts ``NaN``, ``Infinity`` and ``-Infinity`` (not JSON at all) and turns
``1e400`` into ``inf``; pydantic would then pass them into free-form fields (a connector config,
a contract schema) and into any float field whose model does not forbid them. One strict read of
every JSON body answers 422 ``non_finite_number`` instead, naming the token. A body that is not
JSON is left to the route, whose parse names the problem. Bodies are small here (the body limit
buffers them first), so reading one twice costs nothing that matters.
"""

from __future__ import annotations

import json
import math

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.api.problems import problem_response
from schemas.errors import InvalidInput


class NonFiniteNumber(InvalidInput):
    """A JSON body holds ``NaN``, ``Infinity`` or a number too large for a float (``1e400``)."""

    code = "non_finite_number"


class _Refused(ValueError):
    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.token = token


def _constant(token: str) -> float:
    raise _Refused(token)


def _finite(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise _Refused(token)
    return value


def check_finite(body: bytes) -> None:
    """Raise ``NonFiniteNumber`` if the JSON ``body`` holds a non-finite number; ignore non-JSON."""
    try:
        json.loads(body, parse_constant=_constant, parse_float=_finite)
    except _Refused as refused:
        raise NonFiniteNumber(
            f"numbers must be finite: {refused.token[:40]} is not", details={"token": refused.token[:40]}
        ) from None
    except ValueError:  # not JSON (or not UTF-8): the route's own parse reports it
        return


def _is_json(scope: Scope) -> bool:
    """A JSON media type, or none at all: FastAPI reads a body without one as JSON too."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            media: bytes = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return True


class FiniteJsonMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        first = await receive()  # the body limit hands the whole body over in one message
        if first["type"] == "http.request":
            try:
                check_finite(first.get("body", b""))
            except NonFiniteNumber as error:
                await problem_response(error)(scope, receive, send)
                return
        await self.app(scope, _again(first, receive), send)


def _again(first: Message, receive: Receive) -> Receive:
    """A receive callable that yields ``first`` once more, then defers to the real one."""
    pending: list[Message] = [first]

    async def again() -> Message:
        return pending.pop() if pending else await receive()

    return again


__all__ = ["FiniteJsonMiddleware", "NonFiniteNumber", "check_finite"]
