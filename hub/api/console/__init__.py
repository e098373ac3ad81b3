"""The web console served by ``hub api`` under ``/console`` (ADR 016).

Server-rendered pages (Jinja2) over the API's own handlers: the same tokens, roles, checks,
audit records and errors as ``/v1``. ``mount(app, sealer)`` is all the app factory calls.

- ``session``: the sealed session cookie; ``viewer``: sign-in and route-level authorisation, CSRF;
- ``pages``: rendering, security headers, errors as pages; ``catalogue``: Vietnamese and English;
- ``routes.login``, ``routes.portal`` (a subscriber's view), ``routes.ops`` (the operators').
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from hub.api.console.routes import login, ops, portal
from hub.api.console.session import Sealer

STATIC = Path(__file__).parent / "static"


def mount(app: FastAPI, sealer: Sealer) -> None:
    """Serve the console from ``app``, sealing its sessions with ``sealer`` (the hub's key ring)."""
    app.state.console_sealer = sealer
    for router in (login.router, portal.router, ops.router):
        app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")


__all__ = ["mount"]
