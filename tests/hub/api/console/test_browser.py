"""The console in a real browser against a real ``hub api``: what each role sees, and the main
flows done by clicking (sign in, a failed attempt's response body, redeliver a dead letter,
replay the last hour with live progress, ops republishing a quarantined change)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import func, select

from bus.reads import read_topics
from connectors import registry
from hub.services import audit
from hub.settings import Settings
from hub.store import connectors as stored_connectors
from hub.store import deliveries
from hub.store import subscriptions as stored
from hub.subscriptions.model import SubscriptionSpec
from hub.subscriptions.secrets import SigningSecrets, generate_secret
from schemas.naming import retry_topic
from tests.hub.api.console.conftest import Console, Receiver, screenshot, sign_in
from tests.hub.api.test_deliveries import _dead_letter, _event
from tests.hub.cli.test_quarantine import connector_document, run_connector

pytestmark = pytest.mark.integration


def subscribe(console: Console, who: str, endpoint: str = "https://portal.example/hook") -> str:
    """A subscription of ``who``'s organisation, named for this run."""
    sid = f"{who.replace('_', '-')}-{uuid.uuid4().hex[:8]}"
    spec = SubscriptionSpec(
        id=sid, owner=console.world.codes[who], endpoint_url=endpoint, feeds=["vn.gov.civil-status.*"]
    )
    with console.store().session() as session:
        stored.insert(session, spec, SigningSecrets(generate_secret()))
    return sid


def attempt(sid: str, n: int, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "subscription_id": sid, "event_id": f"ev-{sid}-{n}", "record_key": f"KS-{n}",
        "topic": "gov.civil-status.birth.v1", "partition": 0, "offset": n, "attempt": 1, "stage": 0,
        "scheduled_at": None, "started_at": datetime.now(UTC), "status_code": 200, "latency_ms": 12.5,
        "outcome": "delivered", "error_code": None, "error": None,
    }  # fmt: skip
    return row | overrides


async def test_a_province_sees_its_own_subscriptions_and_is_refused_the_rest(
    page: Page, console: Console
) -> None:
    mine, theirs = subscribe(console, "quang_ninh"), subscribe(console, "hue")
    await sign_in(page, console.world.tokens["quang_ninh"])
    await expect(page.locator("#subscriptions")).to_contain_text(mine)
    await expect(page.locator("#subscriptions")).not_to_contain_text(theirs)
    await expect(page.locator("header nav")).not_to_contain_text("Vận hành")  # no ops view for it
    await screenshot(page, "subscriptions")

    answer = await page.goto(f"/console/subscriptions/{theirs}")  # even by URL
    assert answer is not None and answer.status == 403
    await expect(page.locator("#error-code")).to_have_text("not_owner")
    answer = await page.goto(f"/console/subscriptions/{theirs}/attempts")
    assert answer is not None and answer.status == 403
    answer = await page.goto("/console/ops")
    assert answer is not None and answer.status == 403
    await expect(page.locator("#error-code")).to_have_text("role_missing")
    answer = await page.goto("/console/subscriptions/no-such-subscription")
    assert answer is not None and answer.status == 404

    refused = audit.entries(console.store(), audit.AuditQuery(actor=console.world.codes["quang_ninh"]))
    paths = {entry.resource_id for entry in refused if entry.action == "access.refused"}
    assert {f"GET /console/subscriptions/{theirs}", "GET /console/ops"} <= paths


async def test_a_bad_token_is_refused_and_a_form_without_its_csrf_token_changes_nothing(
    page: Page, console: Console
) -> None:
    await page.goto("/console/login")
    await page.fill("input[name=token]", "hub_notatoken")
    await page.click("#sign-in")
    await expect(page.locator(".error")).to_contain_text("invalid_token")

    sid = subscribe(console, "quang_ninh")
    await sign_in(page, console.world.tokens["quang_ninh"])
    forged = await page.request.post(f"/console/subscriptions/{sid}/replay", form={"window_s": "3600"})
    assert forged.status == 403 and "csrf_token_invalid" in await forged.text()
    assert await asyncio.to_thread(_replays_of, console, sid) == 0


def _replays_of(console: Console, sid: str) -> int:
    query = select(func.count()).where(deliveries.ReplayRequest.subscription_id == sid)
    with console.store().session() as session:
        return int(session.scalar(query) or 0)


async def test_the_language_switch_shows_the_console_in_english_and_back(
    page: Page, console: Console
) -> None:
    await sign_in(page, console.world.tokens["quang_ninh"])
    await expect(page.locator("h1")).to_have_text("Đăng ký nhận")
    await page.click("button[value=en]")
    await expect(page.locator("h1")).to_have_text("Subscriptions")
    await page.click("button[value=vi]")
    await expect(page.locator("h1")).to_have_text("Đăng ký nhận")


async def test_a_failed_attempt_shows_its_status_latency_recorded_headers_and_response_body(
    page: Page, console: Console
) -> None:
    sid = subscribe(console, "quang_ninh")
    body = '{"error": "database locked", "request": "ks-2"}'
    sent = {"webhook-id": f"ev-{sid}-2", "webhook-signature": "v1,c2lnbmVk", "authorization": "[redacted]"}
    rows = [
        attempt(sid, 1),
        attempt(sid, 2, status_code=503, latency_ms=41.0, outcome="retrying", error_code="push_failed",
                error=f"HTTP 503: {body}", request_headers=sent, response_body=body,
                response_content_type="application/json", response_truncated=True),
    ]  # fmt: skip
    with console.store().session() as session:
        deliveries.add_attempts(session, rows)
    await sign_in(page, console.world.tokens["quang_ninh"])
    await page.click(f"a[href='/console/subscriptions/{sid}']")
    await page.click(f"a[href='/console/subscriptions/{sid}/attempts?status=retrying']")
    await expect(page.locator("#attempts tbody tr")).to_have_count(1)
    await page.locator("#attempts tbody tr a").click()
    await expect(page.locator("#status-code")).to_have_text("503")
    await expect(page.locator("#response-body")).to_have_text(body)
    headers = page.locator("#request-headers")
    await expect(headers.locator("tr")).to_have_count(3)
    await expect(headers).to_contain_text(f"ev-{sid}-2")
    await expect(headers).to_contain_text("v1,c2lnbmVk")  # the signature as it was sent
    await expect(headers.locator("tr", has_text="authorization")).to_contain_text("[redacted]")
    await expect(page.locator("#response-content-type")).to_have_text("application/json")
    await expect(page.locator("#response-truncated")).to_be_visible()
    await screenshot(page, "attempt")


async def test_redeliver_a_dead_letter_by_clicking(page: Page, console: Console) -> None:
    sid = subscribe(console, "quang_ninh")
    events = [_event(f"dl-{sid}-{n}") for n in (1, 2)]
    await _dead_letter(console.kafka, sid, events)
    await sign_in(page, console.world.tokens["quang_ninh"])
    await page.goto(f"/console/subscriptions/{sid}/dead-letters")
    await expect(page.locator("#dead-letters tbody tr")).to_have_count(2)
    await screenshot(page, "dead-letters")
    await page.check(f"input[aria-label='dl-{sid}-1']")
    await page.click("#redeliver-selected")
    await expect(page.locator("#redelivered")).to_contain_text("1")
    await expect(page.locator("#dead-letters tbody tr")).to_have_count(1)
    resent = [record.header("ce_id") for record in await read_topics(console.kafka, [retry_topic(sid)])]
    assert resent == [f"dl-{sid}-1"]
    entries = audit.entries(
        console.store(), audit.AuditQuery(resource_id=sid, action="subscription.redeliver")
    )
    assert [entry.actor for entry in entries] == [console.world.codes["quang_ninh"]]


async def test_replay_the_last_hour_and_watch_its_progress(page: Page, console: Console) -> None:
    sid = subscribe(console, "quang_ninh")
    await sign_in(page, console.world.tokens["quang_ninh"])
    await page.goto(f"/console/subscriptions/{sid}")
    await page.select_option("select[name=window_s]", "3600")
    await page.click("#replay")
    await page.wait_for_url(f"**/console/subscriptions/{sid}/replays/*")
    await expect(page.locator("#replay-state")).to_have_text("pending")
    request_id = int(page.url.rsplit("/", 1)[1])
    with console.store().session() as session:  # what the running hub does with it, in two steps
        found = deliveries.replay(session, request_id)
        assert found is not None and found.subscription_id == sid
        found.state, found.total, found.scanned = "running", 40, 10
    await expect(page.locator("#replay-state")).to_have_text("running")  # the page follows, unreloaded
    with console.store().session() as session:
        found = deliveries.replay(session, request_id)
        assert found is not None
        found.state, found.scanned, found.queued = "done", 40, 7
    await expect(page.locator("#replay-state")).to_have_text("done")
    await expect(page.locator("#replay-progress")).to_contain_text("40 / 40")
    await screenshot(page, "replay")


async def test_ops_finds_a_quarantined_change_and_republishes_it(page: Page, console: Console) -> None:
    name = f"ks-{uuid.uuid4().hex[:8]}"
    settings = Settings(database_url=console.store_url, kafka_bootstrap=console.kafka)
    with console.store().session() as session:
        stored_connectors.insert(session, registry.parse_config(connector_document(name, females=False)))
    await run_connector(settings, console.store(), name)
    with console.store().session() as session:  # the ministry fixes its mapping (code 2 = female)
        stored_connectors.replace(session, registry.parse_config(connector_document(name, females=True)))

    await sign_in(page, console.world.tokens["admin"])
    await page.click("header nav a[href='/console/ops']")
    await expect(page.locator("#problems")).to_contain_text(f"bộ kết nối {name}: 3 thay đổi đang bị cách ly")
    await screenshot(page, "ops")
    await page.click(f"a[href='/console/ops/quarantine?connector={name}']")
    await expect(page.locator("#quarantine tbody tr")).to_have_count(3)
    await expect(page.locator("#quarantine")).to_contain_text("mapping_value_unmapped")
    await screenshot(page, "quarantine")
    for box in await page.locator("#quarantine input[name=ids]").all():
        await box.check()
    await page.click("#republish")
    # the two rows of the record whose code 2 is now mapped go out; the bad date stays held
    await expect(page.locator("#republish-report p")).to_have_text("Đã phát hành lại: 2 · Còn giữ: 1")
    entries = audit.entries(
        console.store(), audit.AuditQuery(resource_id=name, action="quarantine.republish")
    )
    assert len(entries) == 1

    await page.click("header nav a[href='/console/ops/audit']")
    await expect(page.locator("#audit")).to_contain_text("quarantine.republish")
    await page.goto(f"/console/ops/connectors/{name}")
    await expect(page.locator("#connector-name")).to_have_text(name)
    await page.goto(f"/console/ops/quarantine?connector={name}")
    await page.locator("#quarantine a.trace").first.click()
    await expect(page.locator(".timeline").first).to_contain_text("quarantined")
    await screenshot(page, "trace")


async def test_send_a_test_event_then_pause_and_resume(page: Page, console: Console, receiver: str) -> None:
    sid = subscribe(console, "quang_ninh", endpoint=receiver)
    await sign_in(page, console.world.tokens["quang_ninh"])
    await page.goto(f"/console/subscriptions/{sid}")
    await page.click("#test-event")
    result = page.locator("#test-event-result")
    await expect(result).to_contain_text("push_failed")
    await expect(result).to_contain_text("503")
    await expect(result).to_contain_text("maintenance until 02:00")
    headers, body = Receiver.received[-1]
    assert headers["webhook-id"] in body.decode() and "vn.gov.hub.test.v1" in body.decode()
    await screenshot(page, "subscription")

    await page.click("#pause")
    await expect(page.locator("#state")).to_contain_text("paused")
    await page.click("#resume")
    await expect(page.locator("#state")).to_have_text("active")
    query = audit.AuditQuery(resource_id=sid, actor=console.world.codes["quang_ninh"])
    actions = [entry.action for entry in audit.entries(console.store(), query)]
    assert actions[:3] == ["subscription.resume", "subscription.pause", "subscription.test_event"]


async def test_an_operator_sees_every_subscription_the_audit_trail_and_a_connector_but_may_not_act(
    page: Page, console: Console
) -> None:
    theirs = subscribe(console, "hue")
    await sign_in(page, console.world.tokens["operator"])
    await page.click("header nav a[href='/console/ops']")
    await expect(page.locator("#ops-subscriptions")).to_contain_text(theirs)
    await page.goto(f"/console/subscriptions/{theirs}")
    await expect(page.locator("#subscription-id")).to_have_text(theirs)
    csrf = await page.locator("input[name=csrf]").first.get_attribute("value")
    refused = await page.request.post(f"/console/subscriptions/{theirs}/pause", form={"csrf": csrf or ""})
    assert refused.status == 403 and "role_missing" in await refused.text()
    answer = await page.goto("/console/ops/audit")
    assert answer is not None and answer.status == 403  # the audit trail is the admin's


async def test_a_ministry_lands_on_its_quarantine_and_has_no_portal_view(
    page: Page, console: Console
) -> None:
    await sign_in(page, console.world.tokens["civil"], lands_on="/console/ops/quarantine")
    nav = page.locator("header nav")
    await expect(nav).to_contain_text("Cách ly")
    await expect(nav).not_to_contain_text("Đăng ký nhận")
    answer = await page.goto("/console/subscriptions")
    assert answer is not None and answer.status == 403
