"""The one place where errors become HTTP responses: RFC 9457 problem documents.

Every error the API returns has the same shape (``type``, ``title``, ``status``, ``code`` and
optional ``details``) and the media type ``application/problem+json``, so clients match on the
stable ``code`` and never on the wording. Unexpected exceptions become a bare 500
``internal_error``: the stack trace goes to the server log, never to the client.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from schemas.errors import HubError, InvalidInput, NotFound

PROBLEM_MEDIA_TYPE = "application/problem+json"


class MethodNotAllowed(InvalidInput):
    code = "method_not_allowed"
    status = 405


class PayloadTooLarge(InvalidInput):
    code = "payload_too_large"
    status = 413


class RequestTimeout(InvalidInput):
    """The request body did not arrive within ``HUB_API_BODY_TIMEOUT_S``."""

    code = "request_timeout"
    status = 408
    retriable = True


class InternalError(HubError):
    code = "internal_error"
    status = 500


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


class Problem(BaseModel):
    """The error body, as documented in OpenAPI (``HubError.to_problem`` renders it)."""

    type: str = Field(examples=["urn:hub:error:not_found"])
    title: str
    status: int
    code: str = Field(description="Stable machine-readable code; match on this, not on the title.")
    details: Any = None


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries saying these statuses answer with a problem document."""
    content = {PROBLEM_MEDIA_TYPE: {"schema": Problem.model_json_schema()}}
    return {status: {"description": "Problem (RFC 9457)", "content": content} for status in statuses}


# Every /v1 route can answer these (401/403 from hub.api.auth); routers document their own
# 404/409 with problem_responses.
COMMON_PROBLEMS = problem_responses(401, 403, 413, 422, 500)


def problem_response(error: HubError, headers: Mapping[str, str] | None = None) -> Response:
    return ProblemResponse(error.to_problem(), status_code=error.status, headers=headers)


class _PlainHTTPError(HubError):
    """A framework HTTP error we have no family for; keeps the status the framework chose."""

    code = "http_error"


def _from_http_exception(exc: StarletteHTTPException) -> HubError:
    if exc.status_code == 400:  # the framework could not parse the body (e.g. nested too deep)
        return InvalidInput(str(exc.detail))
    if exc.status_code == 404:
        return NotFound("no such resource")
    if exc.status_code == 405:
        return MethodNotAllowed("method not allowed on this resource")
    error = _PlainHTTPError(str(exc.detail))
    error.status = exc.status_code  # type: ignore[misc]  # the status the framework chose
    return error


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Field, message and rule of each failure; the rejected input itself is not echoed back."""
    return [
        {
            "field": ".".join(str(part) for part in err.get("loc", ())),
            "message": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]


async def _hub_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HubError)
    challenge = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None  # RFC 6750
    return problem_response(exc, headers=challenge)


async def _request_validation(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return problem_response(InvalidInput("invalid request", details=_validation_details(exc)))


async def _http_exception(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return problem_response(_from_http_exception(exc), headers=exc.headers)


async def _unexpected(_request: Request, _exc: Exception) -> Response:
    # Starlette re-raises after this response is sent, so the server still logs the traceback.
    return problem_response(InternalError("internal error"))


def install(app: FastAPI) -> None:
    """Register the handlers; call once from the app factory."""
    app.add_exception_handler(HubError, _hub_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(Exception, _unexpected)
