// A province's webhook receiver for gov-data-hub pushes, in Node.js (18 or later).
//
// Verifies each push's Standard Webhooks signature with the `standardwebhooks` npm package,
// ignores a webhook-id it has already applied (the hub may send the same push again after a
// timeout, a restart or a replay), and applies every event of the body (one CloudEvent, or a JSON
// array of them in batch mode). Run it:
//
//   npm install            # in this folder: standardwebhooks, pinned in package.json
//   WEBHOOK_SECRET=whsec_... PORT=8080 node receiver.cjs
//
// It prints one JSON line per push it took: {"webhook_id": ..., "applied": [event ids]} or
// {"webhook_id": ..., "duplicate": true}. Replace apply() with your own write, and `seen` with a
// table whose primary key is the webhook-id, written in the same transaction as the events.
"use strict";
const http = require("node:http");
const { Webhook, WebhookVerificationError } = require("standardwebhooks");

// During a rotation: WEBHOOK_SECRET="whsec_new whsec_old".
const verifiers = process.env.WEBHOOK_SECRET.split(/\s+/).filter(Boolean).map((s) => new Webhook(s));
const seen = new Set(); // webhook-ids already applied; keep them at least as long as a replay window

// The parsed body when one of the secrets signed it (and the timestamp is within 5 minutes).
function verified(body, headers) {
  for (const verifier of verifiers) {
    try {
      return verifier.verify(body, headers);
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
    }
  }
  throw new WebhookVerificationError("no secret verifies this push");
}

// Your write. subject is the record key; data.op is c (create), u (update), r (read by a snapshot
// or a backfill: upsert it) or d (delete; with data.moved set, the record moved out of your area:
// drop your copy).
function apply(event) {}

const server = http.createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8"); // verify the exact bytes received
    let payload;
    try {
      payload = verified(body, request.headers); // Node gives header names in lower case
    } catch (error) {
      response.writeHead(401).end(); // a permanent refusal: the hub dead-letters it, never retries
      return;
    }
    const webhookId = request.headers["webhook-id"];
    let report;
    if (seen.has(webhookId)) {
      report = { webhook_id: webhookId, duplicate: true };
    } else {
      const events = Array.isArray(payload) ? payload : [payload];
      events.forEach(apply);
      seen.add(webhookId);
      report = { webhook_id: webhookId, applied: events.map((event) => event.id) };
    }
    console.log(JSON.stringify(report));
    response.writeHead(200).end(); // a duplicate is answered 2xx too, or the hub would retry it
  });
});

server.listen(Number(process.env.PORT ?? 8080), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
