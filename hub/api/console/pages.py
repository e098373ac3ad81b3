"""Rendering console pages, and answering every console error with a page instead of JSON.

``render`` fills a template with the viewer's language, the CSRF token and the session cookie,
and sends the headers every console page carries (a strict Content-Security-Policy: nothing
but the console's own files, no inline script; no framing; no caching of pages that show data).

``ConsoleRoute`` is the route class of every console router: a ``HubError`` raised by the API
handlers the console calls becomes an error page with the same status and code the API would
answer; a refusal (401/403) is first audited exactly as ``hub.api.refusals`` audits the API's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import RedirectResponse, Response

from hub.access.principals import Principal
from hub.api.console import session as sessions
from hub.api.console.catalogue import LANGUAGES, messages, problems
from hub.api.console.viewer import LoginRequired, Viewer
from hub.api.refusals import ACTION as REFUSED
from hub.services.audit import Auditor
from schemas.errors import AccessDenied, HubError

log = logging.getLogger("hub.access")
LOGIN_PATH = "/console/login"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def shown(value: Any) -> Any:
    """Every time on a page in one readable form, to the millisecond, in UTC and saying so.

    The API's times are ISO 8601 with microseconds and an offset, right for machines and noisy
    for people comparing hops of a trace; the templates print values as they come, so the one
    place to shape them is the environment's ``finalize``, which sees every printed value.
    """
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo is not None else value
        return f"{moment:%Y-%m-%d %H:%M:%S}.{moment.microsecond // 1000:03d} UTC"
    return value


templates = Jinja2Templates(
    env=Environment(
        loader=PackageLoader("hub.api.console", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,  # a misspelt name fails the page (and its test), not silently
        auto_reload=False,
        finalize=shown,
    )
)
templates.env.globals["say_problem"] = problems.say


def render(
    request: Request, template: str, viewer: Viewer | None, status_code: int = 200, **context: Any
) -> Response:
    current = sessions.current(request)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "t": messages(current.lang),
            "lang": current.lang,
            "languages": LANGUAGES,
            "csrf": current.csrf,
            "viewer": viewer,
            **context,
        },
        status_code=status_code,
        headers=SECURITY_HEADERS,
    )
    sessions.store_cookie(request, response)
    return response


def redirect(request: Request, url: str) -> Response:
    """303 See Other (a POST answered by the page to GET next), keeping the session."""
    response = RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)
    sessions.store_cookie(request, response)
    return response


def audit_refusal(request: Request, refused: AccessDenied) -> None:
    store = getattr(request.app.state, "store", None)
    caller = getattr(request.state, "principal", None)
    if store is None:
        return
    if not isinstance(caller, Principal):
        caller = Principal(org="anonymous", roles=frozenset())
    kind = refused.details.get("kind", "console") if isinstance(refused.details, dict) else "console"
    after = {"code": refused.code, "status": refused.status, "reason": refused.message}
    try:
        Auditor(store, caller).record(REFUSED, str(kind), f"{request.method} {request.url.path}", after=after)
    except Exception:  # the refusal stands whatever happens to its record
        log.exception("could not audit a console refusal of %s", caller.label)


async def error_page(request: Request, exc: HubError) -> Response:
    if isinstance(exc, AccessDenied):
        log.warning("console refused %s %s: %s", request.method, request.url.path, exc.code)
        await asyncio.to_thread(audit_refusal, request, exc)
    return render(
        request,
        "error.html",
        None,
        status_code=exc.status,
        status=exc.status,
        code=exc.code,
        message=exc.message,
    )


class ConsoleRoute(APIRoute):
    """Console errors as pages: login redirects, refusals audited, hub errors with their code."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await handle(request)
            except LoginRequired:
                return redirect(request, LOGIN_PATH)
            except HubError as exc:
                return await error_page(request, exc)
            except RequestValidationError as exc:
                message = "; ".join(str(error.get("msg", "")) for error in exc.errors())
                return render(
                    request,
                    "error.html",
                    None,
                    status_code=422,
                    status=422,
                    code="invalid_input",
                    message=message,
                )

        return handler
