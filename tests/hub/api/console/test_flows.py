"""Issue 14's "done when" for a province, on a real delivery, in the console alone: a running hub
pushes to the province's endpoint, which refuses one event; the province finds why (the attempt
log: status, the request headers sent, the endpoint's answer), redelivers the dead letter, then
replays the last hour and watches the running hub carry the replay to its end. Every step is a
click; only the hub's own processes act behind the page. (The ops flow, a quarantined change
republished after a fix, is ``test_browser.test_ops_finds_a_quarantined_change_and_republishes_it``.)
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from bus.admin import KafkaAdmin
from bus.ports import FEED_PARTITIONS
from bus.producer import KafkaProducer
from devtools.portal.receiver import create_receiver_app
from hub.delivery.control.supervisor import Supervisor, SupervisorOptions
from hub.settings import Settings
from hub.store import subscriptions as stored
from hub.subscriptions.model import SubscriptionSpec
from hub.subscriptions.secrets import SigningSecrets, generate_secret
from schemas.admin_units import default_normaliser
from schemas.events import ChangeEvent, ChangePayload, Op, SourceInfo
from schemas.events.kafka_codec import to_kafka
from tests.devtools.portal.serving import serving
from tests.hub.api.console.conftest import Console, screenshot, sign_in
from tests.hub.delivery.waiting import eventually

pytestmark = pytest.mark.integration


@asynccontextmanager
async def running_hub(console: Console) -> AsyncIterator[None]:
    """``hub run`` on the console's store, in this loop (grants are test_admission's subject)."""
    settings = Settings(
        database_url=console.store_url, kafka_bootstrap=console.kafka, endpoint_allowlist=["127.0.0.0/8"],
        auth_enabled=False,
    )  # fmt: skip
    supervisor = Supervisor(
        settings, console.store(), default_normaliser(), SupervisorOptions(poll_s=0.2, keep_state=False)
    )
    stop = asyncio.Event()
    task = asyncio.create_task(supervisor.run(stop))
    try:
        yield
    finally:
        stop.set()
        async with asyncio.timeout(20):
            await task


def birth(domain: str, key: str) -> ChangeEvent:
    source = SourceInfo(connector="hotich", database="hotich", table="birth", position=f"{key}/0")
    return ChangeEvent(
        id=f"{domain}-{key}", source="/connectors/hotich/birth", type=f"vn.gov.{domain}.birth.v1",
        subject=key, data=ChangePayload(op=Op.CREATE, after={"id": key}, source=source),
    )  # fmt: skip


async def refreshed_until(page: Page, wanted: Locator, timeout_s: float = 30.0) -> None:
    """Reload the page, as a person would press refresh, until ``wanted`` is on it: the pages
    that list what the running hub did are not live (the replay page is)."""
    async with asyncio.timeout(timeout_s):
        while not await wanted.count():
            await asyncio.sleep(0.3)
            await page.reload()


async def publish(bootstrap: str, topic: str, event: ChangeEvent) -> None:
    producer = KafkaProducer(bootstrap)
    await producer.start()
    try:
        await producer.acknowledged([await producer.send(topic, to_kafka(event))])
    finally:
        await producer.stop()


async def test_a_province_finds_why_an_event_failed_redelivers_it_and_replays_the_last_hour(
    page: Page, console: Console
) -> None:
    domain = f"t{uuid.uuid4().hex[:10]}"
    topic = f"gov.{domain}.birth.v1"
    await KafkaAdmin(console.kafka).create_topics([topic], FEED_PARTITIONS)
    secret = generate_secret()
    async with serving(create_receiver_app([secret])) as portal, httpx.AsyncClient(base_url=portal) as http:
        (await http.post("/control", json={"mode": "400", "count": 1})).raise_for_status()
        sid = f"quang-ninh-{domain}"
        spec = SubscriptionSpec.model_validate({
            "id": sid, "owner": console.world.codes["quang_ninh"], "endpoint_url": f"{portal}/hook",
            "feeds": [f"vn.gov.{domain}.birth.v1"], "retry": {"schedule_s": [0, 0.3, 0.5]},
        })  # fmt: skip
        with console.store().session() as session:
            stored.insert(session, spec, SigningSecrets(secret))
        event = birth(domain, "KS-1")

        async def accepted(n: int) -> bool:
            """The endpoint answered 2xx to at least ``n`` pushes (a replayed copy counts)."""
            stats = (await http.get("/stats")).json()
            return int(stats["by_status"].get("200", 0)) >= n

        async with running_hub(console):
            await publish(console.kafka, topic, event)
            await sign_in(page, console.world.tokens["quang_ninh"])
            # 1. why did it fail? the subscription, its attempt log, the refused attempt
            await page.click(f"a[href='/console/subscriptions/{sid}']")
            await page.click(f"a[href='/console/subscriptions/{sid}/attempts']")
            failed = page.locator("#attempts tbody tr", has_text="dead_lettered")
            await refreshed_until(page, failed)
            await failed.locator("a").first.click()
            await expect(page.locator("#status-code")).to_have_text("400")
            await expect(page.locator("#response-body")).to_contain_text("told to answer 400")
            headers = page.locator("#request-headers")
            await expect(headers.locator("tr", has_text="webhook-id")).to_contain_text(event.id)
            await expect(headers.locator("tr", has_text="webhook-signature")).to_contain_text("v1,")
            await screenshot(page, "flow-attempt")

            # 2. redeliver it from the dead letters, now that the endpoint is fixed
            await page.click("header nav a[href='/console/subscriptions']")
            await page.click(f"a[href='/console/subscriptions/{sid}']")
            await page.click(f"a[href='/console/subscriptions/{sid}/dead-letters']")
            await refreshed_until(page, page.locator(f"input[aria-label='{event.id}']"))
            await page.check(f"input[aria-label='{event.id}']")
            await page.click("#redeliver-selected")
            await expect(page.locator("#redelivered")).to_contain_text("1")
            await eventually(lambda: accepted(1), timeout_s=30)

            # 3. replay the last hour and watch the running hub carry it to its end
            await page.click(f"a[href='/console/subscriptions/{sid}']")
            await page.select_option("select[name=window_s]", "3600")
            await page.click("#replay")
            await expect(page.locator("#replay-state")).to_have_text("done", timeout=30_000)
            await expect(page.locator("#replay-progress")).to_contain_text("1 / 1")
            await screenshot(page, "flow-replay")
            await eventually(lambda: accepted(2), timeout_s=30)  # sent again by the replay
