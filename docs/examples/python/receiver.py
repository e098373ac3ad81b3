"""A province's webhook receiver for gov-data-hub pushes, in Python.

Verifies each push's Standard Webhooks signature with the ``standardwebhooks`` library, ignores a
``webhook-id`` it has already applied (the hub may send the same push again after a timeout, a
restart or a replay), and applies every event of the body (one CloudEvent, or a JSON array of them
in batch mode). Run it::

    pip install standardwebhooks==1.1.0
    WEBHOOK_SECRET=whsec_... PORT=8080 python receiver.py

It prints one JSON line per push it took: ``{"webhook_id": ..., "applied": [event ids]}`` or
``{"webhook_id": ..., "duplicate": true}``. Replace ``apply`` with your own write, and ``SEEN``
with a table whose primary key is the webhook-id, written in the same transaction as the events:
then a crash between the two can never apply a push twice or lose it.
"""

from __future__ import annotations

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

SECRETS = os.environ["WEBHOOK_SECRET"].split()  # during a rotation: "whsec_new whsec_old"
VERIFIERS = [Webhook(secret) for secret in SECRETS]
SEEN: set[str] = set()  # webhook-ids already applied; keep them at least as long as a replay window


def verified(body: bytes, headers: dict[str, str]) -> Any:
    """The parsed body when one of the secrets signed it (and the timestamp is within 5 minutes)."""
    for verifier in VERIFIERS:
        try:
            return verifier.verify(body, headers)
        except WebhookVerificationError:
            continue
    raise WebhookVerificationError("no secret verifies this push")


def apply(event: dict[str, Any]) -> None:
    """Your write. ``subject`` is the record key; ``data.op`` is c (create), u (update), r (read by
    a snapshot or a backfill: upsert it) or d (delete; with ``data.moved`` set, the record moved out
    of your area: drop your copy)."""


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # the name http.server calls
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            payload = verified(body, headers)
        except WebhookVerificationError:
            self._answer(401)  # a permanent refusal: the hub dead-letters it, never retries it
            return
        webhook_id = headers["webhook-id"]
        if webhook_id in SEEN:
            report: dict[str, Any] = {"webhook_id": webhook_id, "duplicate": True}
        else:
            events = payload if isinstance(payload, list) else [payload]
            for event in events:
                apply(event)
            SEEN.add(webhook_id)
            report = {"webhook_id": webhook_id, "applied": [event["id"] for event in events]}
        print(json.dumps(report), flush=True)
        self._answer(200)  # any 2xx; a duplicate is answered 2xx too, or the hub would retry it

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # http.server's name
        print(format % args, file=sys.stderr)


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Receiver)
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()
