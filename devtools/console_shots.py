"""Screenshots of the web console's main pages, and how long each took to load.

``python -m devtools.console_shots --url http://127.0.0.1:18600 --token hub_... --out DIR``

Signs in with the token by the login form, as a person would, then walks the console from its
own links (nothing is assumed about the hub's content): the province overview, a subscription
(``--subscription``, or the first with a failed attempt), that attempt with its request headers,
the dead letters, the ops overview, a connector (its snapshot progress), the quarantine and the
trace of the attempt's event. ``--replay`` also asks for a replay of the last hour and shoots
its progress page: that delivers the window again, so it is never done unasked. Each page is
saved as ``DIR/console-<name>.png`` (full page) and its load time printed; a page the token may
not see (403) or that has nothing to show yet is reported and skipped. The browser is Debian's
``chromium``, as the console's tests use (``devtools.devstack.chromium``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, sync_playwright

from devtools.devstack import chromium

TIMEOUT_MS = 20_000
SUBSCRIPTION_LINKS = "#subscriptions a[href^='/console/subscriptions/']"
MAX_SEARCHED = 20  # subscriptions searched for a failed attempt


@dataclass(frozen=True)
class Shot:
    name: str
    path: str
    load_ms: float
    file: Path


@dataclass
class Tour:
    """One signed-in page walking the console; what it saved and what it skipped."""

    page: Page
    out: Path
    shots: list[Shot] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def visit(self, name: str, path: str) -> bool:
        """Load ``path``, timing it until the page's load event; save it unless refused."""
        started = time.perf_counter()
        answer = self.page.goto(path, wait_until="load")
        load_ms = (time.perf_counter() - started) * 1000
        if answer is None or answer.status >= 400:
            self.skipped.append(f"{name}: {path} answered {answer.status if answer else 'nothing'}")
            return False
        self.save(name, path, load_ms)
        return True

    def save(self, name: str, path: str, load_ms: float) -> None:
        file = self.out / f"console-{name}.png"
        self.page.screenshot(path=str(file), full_page=True)
        self.shots.append(Shot(name, path, load_ms, file))
        print(f"{name:<18} {load_ms:8.1f} ms  {path}", flush=True)

    def links(self, selector: str) -> list[str]:
        return [
            href
            for href in self.page.locator(selector).evaluate_all(
                "els => els.map(e => e.getAttribute('href'))"
            )
            if href
        ]

    def first_link(self, selector: str) -> str | None:
        found = self.page.locator(selector)
        return found.first.get_attribute("href") if found.count() else None


def sign_in(page: Page, token: str) -> None:
    page.goto("/console/login")
    page.fill("input[name=token]", token)
    page.click("#sign-in")
    page.wait_for_url(lambda url: not url.endswith("/console/login"))


def province(tour: Tour, replay: bool, chosen: str | None) -> None:
    """Overview, a subscription, its worst recent attempt, dead letters, and a replay if asked."""
    if not tour.visit("province-overview", "/console/subscriptions"):
        return
    subs = [f"/console/subscriptions/{chosen}"] if chosen else tour.links(SUBSCRIPTION_LINKS)[:MAX_SEARCHED]
    if not subs:
        tour.skipped.append("subscription pages: no subscription to show")
        return
    found = attempt(tour, subs)
    sub = found[0] if found else subs[0]
    tour.visit("subscription", sub)
    tour.visit("dead-letters", f"{sub}/dead-letters")
    if replay:
        start_replay(tour, sub)
    else:
        tour.skipped.append("replay: not asked for (--replay delivers the last hour again)")
    if found and found[1]:
        tour.visit("trace", f"/console/ops/trace?event_id={found[1]}")


def attempt(tour: Tour, subs: list[str]) -> tuple[str, str | None] | None:
    """The page of a failed attempt of any of ``subs`` if there is one (else the latest attempt of
    the first that has any): its subscription and event id (for the trace)."""
    for status in ("dead_lettered", "retrying", ""):
        for sub in subs:
            tour.page.goto(f"{sub}/attempts?status={status}")
            link = tour.first_link("#attempts tbody a[href*='/attempts/']")
            if link is not None:
                tour.visit("attempt", link)
                trace = tour.first_link("a[href^='/console/ops/trace?event_id=']")
                return sub, trace.split("event_id=", 1)[1] if trace else None
    tour.skipped.append("attempt: no subscription has attempts yet")
    return None


def start_replay(tour: Tour, sub: str) -> None:
    tour.page.goto(sub)
    tour.page.select_option("select[name=window_s]", "3600")
    started = time.perf_counter()
    tour.page.click("#replay")
    tour.page.wait_for_url("**/replays/*", wait_until="load")
    tour.save("replay", urlsplit(tour.page.url).path, (time.perf_counter() - started) * 1000)


def ops(tour: Tour) -> None:
    """Operations overview, a connector (snapshot progress), the quarantine."""
    if tour.visit("ops-overview", "/console/ops"):
        connector = tour.first_link("a[href^='/console/ops/connectors/']")
        if connector is not None:
            tour.visit("connector", connector)
        else:
            tour.skipped.append("connector: no connector registered")
    tour.visit("quarantine", "/console/ops/quarantine")


def take(
    url: str,
    token: str,
    out: Path,
    *,
    replay: bool = False,
    subscription: str | None = None,
    lang: str | None = None,
    launch: Callable[[], Path] = chromium.ensure,
) -> Tour:
    """Every screenshot the token's rights allow, into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser: Browser = playwright.chromium.launch(executable_path=launch(), args=["--no-sandbox"])
        try:
            context = browser.new_context(base_url=url.rstrip("/"), viewport={"width": 1280, "height": 900})
            context.set_default_timeout(TIMEOUT_MS)
            tour = Tour(context.new_page(), out)
            sign_in(tour.page, token)
            if lang:  # the console's own switch, so the session keeps the language
                tour.page.click(f"button[value={lang}]")
                tour.page.wait_for_load_state("load")
            province(tour, replay, subscription)
            ops(tour)
            return tour
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.console_shots", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--url", required=True, help="the hub API's address, e.g. http://127.0.0.1:18600")
    parser.add_argument(
        "--token", required=True, help="an API token to sign in with (an admin's sees every page)"
    )
    parser.add_argument("--out", required=True, type=Path, help="folder the PNG files are written to")
    parser.add_argument(
        "--replay", action="store_true", help="also replay the last hour and shoot its progress"
    )
    parser.add_argument(
        "--subscription", help="the subscription to show (default: one with a failed attempt)"
    )
    parser.add_argument(
        "--lang", choices=["vi", "en"], help="the console's language (default: the browser's)"
    )
    args = parser.parse_args(argv)
    tour = take(
        args.url, args.token, args.out, replay=args.replay, subscription=args.subscription, lang=args.lang
    )
    for reason in tour.skipped:
        print(f"skipped {reason}", file=sys.stderr)
    print(f"{len(tour.shots)} screenshot(s) in {args.out}")
    return 0 if tour.shots else 1


if __name__ == "__main__":
    sys.exit(main())
