"""The reference receiver: what a portal's webhook endpoint should do, runnable for tests and demos.

``POST /hook`` verifies the Standard Webhooks signature (any of the configured secrets, so a
rotation overlap can be exercised), then applies the failure mode set by ``POST /control``, then
de-duplicates by ``webhook-id`` and records the push. The order matters: a bad signature is
always 401 whatever the mode, and a push answered with an error is not recorded, because the hub
will send it again. ``GET /received`` and ``GET /stats`` show what arrived; ``POST /reset``
forgets it all.
"""

from __future__ import annotations

import asyncio
import binascii
import json
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from devtools.portal.receiver_state import Behaviour, Control, Delivery, Inbox

FAILURE_STATUS = {"fail": 500, "429": 429, "410": 410, "400": 400}


class Receiver:
    """The receiver's state and its request handling, free of routing concerns."""

    def __init__(self, secrets: Sequence[str], *, max_records: int = 100_000) -> None:
        if not secrets:
            raise ValueError("the receiver needs at least one signing secret")
        self.verifiers = [Webhook(secret) for secret in secrets]
        self.behaviour = Behaviour()
        self.inbox = Inbox(max_records=max_records)

    def verified(self, body: bytes, headers: dict[str, str]) -> bool:
        """Whether some secret verifies the signature (malformed headers simply do not verify)."""
        for verifier in self.verifiers:
            try:
                verifier.verify(body, headers, json_parse=False)
            except (WebhookVerificationError, ValueError, binascii.Error):
                continue
            return True
        return False

    async def handle(self, body: bytes, headers: dict[str, str]) -> Response:
        if not self.verified(body, headers):
            self.inbox.counts["bad_signature"] += 1
            return JSONResponse({"error": "invalid signature"}, status_code=401)
        try:
            payload = json.loads(body)
        except ValueError:
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        webhook_id = headers["webhook-id"]
        control = self.behaviour.next()
        if control.mode in FAILURE_STATUS:
            return self._refuse(webhook_id, control)
        if control.mode == "slow":
            await asyncio.sleep(control.delay_s)
        self.inbox.attempt(webhook_id, 200)
        fresh = self.inbox.accept(webhook_id, payload, headers.get("traceparent"))
        return JSONResponse({"accepted": True, "duplicate": not fresh})

    def _refuse(self, webhook_id: str, control: Control) -> Response:
        status = FAILURE_STATUS[control.mode]
        self.inbox.attempt(webhook_id, status)
        headers: dict[str, str] = {}
        if status == 429 and control.retry_after_s is not None:
            headers["Retry-After"] = str(control.retry_after_s)
        return JSONResponse({"error": f"told to answer {status}"}, status_code=status, headers=headers)


def create_receiver_app(secrets: Sequence[str], *, max_records: int = 100_000) -> FastAPI:
    receiver = Receiver(secrets, max_records=max_records)
    app = FastAPI(title="Reference webhook receiver", docs_url="/docs")
    app.state.receiver = receiver

    @app.post("/hook")
    async def hook(request: Request) -> Response:
        return await receiver.handle(await request.body(), dict(request.headers))

    @app.get("/received")
    async def received(limit: int = 1000) -> list[Delivery]:
        return list(receiver.inbox.deliveries.values())[-limit:]

    @app.get("/stats")
    async def stats() -> dict[str, Any]:
        return receiver.inbox.stats()

    @app.post("/control")
    async def control(body: Control) -> Control:
        receiver.behaviour.set(body)
        return body

    @app.post("/reset", status_code=204)
    async def reset() -> None:
        receiver.inbox = Inbox(max_records=max_records)
        receiver.behaviour.set(Control())

    return app
