"""The end-to-end demo: ministries' databases -> connectors -> Kafka -> hub -> portals.

Steps, each a real part of the system run as its own process (see ``processes``):

1. the local Kafka and PostgreSQL; three ministry databases filled with synthetic records;
2. the control plane (``hub api``) on a private store, an admin, the ministries as
   publishers, the portals as subscribers with grants (feed x province x purpose);
3. a ``postgres_cdc`` connector per ministry, three reference receivers and subscriptions;
4. ``hub connect`` and ``hub run``; a stream of registrations, corrections and deletions
   while Tuyên Quang's system fails on purpose for a few seconds;
5. the summary: every committed change on Kafka, and every portal holding every event meant
   for it (counted independently of the hub's router), then one record's trace.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from devtools.demo import backfill as demo_backfill
from devtools.demo import console_link, ministry_db
from devtools.demo.changes import ChangeGenerator
from devtools.demo.kafka_view import count_feed_records, read_feed_events
from devtools.demo.portals import DEMO_RETRY_SCHEDULE_S, PORTALS, PUBLISHERS, Portal
from devtools.demo.processes import ProcessGroup, wait_http
from devtools.demo.report import Progress, kinds_table, summary_table, verdict
from devtools.devstack import stack
from devtools.devstack.process import pick_ports
from hub.access.principals import OrganisationSpec
from hub.services.access import AccessService
from hub.settings import Settings
from hub.store import migrate
from hub.store.base import Store
from hub.subscriptions.secrets import generate_secret
from schemas.errors import HubError

ROWS_PER_FEED = 20
STREAM_CHANGES = 240
STREAM_RATE_PER_S = 40
DEADLINE_S = 150


@dataclass
class Run:
    settings: Settings
    console: Console
    workdir: Path
    group: ProcessGroup
    api: httpx.Client
    portals: list[Portal]
    secrets: dict[str, str]


def demo_broker_settings(settings: Settings) -> Settings:
    """The demo's own broker (fresh each run) unless an external one is configured.

    The development broker also carries test topics and earlier demo runs' events; a portal
    subscribed to ``vn.gov.*`` would rightly receive those too, which is not this demo's story.
    """
    return settings.model_copy(update={"state_dir": settings.state_dir / "demo" / "stack"})


def prepare(settings: Settings, console: Console) -> tuple[Path, dict[str, str], stack.Endpoints]:
    console.rule("[bold]1. Local Kafka and PostgreSQL, ministry databases")
    workdir = settings.state_dir / "demo"
    broker = demo_broker_settings(settings)
    stack.stop(broker)
    shutil.rmtree(broker.state_dir, ignore_errors=True)
    kafka = stack.ensure(broker, need_postgres=False)
    pg = stack.ensure(settings, need_kafka=False)
    endpoints = stack.Endpoints(kafka.kafka_bootstrap, pg.postgres_dsn, (*kafka.started, *pg.started))
    console.print(f"  kafka {endpoints.kafka_bootstrap}   postgres {endpoints.postgres_dsn}")
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "hub.sqlite").unlink(missing_ok=True)
    dsns = {m.database: ministry_db.create(endpoints.postgres_dsn, m) for m in ministry_db.ministries()}
    for name in dsns:
        console.print(f"  ministry database [cyan]{name}[/cyan]")
    return workdir, dsns, endpoints


def environment(
    settings: Settings, endpoints: stack.Endpoints, workdir: Path, api_port: int
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        HUB_KAFKA_BOOTSTRAP=endpoints.kafka_bootstrap,
        HUB_POSTGRES_DSN=endpoints.postgres_dsn,
        HUB_DATABASE_URL=f"sqlite:///{workdir / 'hub.sqlite'}",
        HUB_STATE_DIR=str(settings.state_dir),
        HUB_API_PORT=str(api_port),
        HUB_API_URL=f"http://127.0.0.1:{api_port}",
        HUB_ENDPOINT_ALLOWLIST='["127.0.0.1"]',
        COLUMNS="120",  # the trace timeline is drawn by a child process, not on a terminal
    )
    if settings.secret_key is not None:
        env["HUB_SECRET_KEY"] = settings.secret_key.get_secret_value()
    return env


def bootstrap_admin(store_url: str) -> str:
    migrate.upgrade(store_url)
    store = Store(store_url)
    try:
        spec = OrganisationSpec(code="000.00.00.G99", name="Trung tâm vận hành (demo)", kind="operator")
        return AccessService(store).bootstrap(spec, ttl_days=1).secret
    finally:
        store.engine.dispose()


def call(api: httpx.Client, method: str, path: str, body: Any = None) -> Any:
    response = api.request(method, path, json=body)
    if response.status_code >= 400:
        raise HubError(f"{method} {path} -> {response.status_code}: {response.text[:500]}")
    return response.json() if response.content else None


def register_organisations(run: Run) -> None:
    run.console.rule("[bold]2. Organisations, grants")
    expires = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    for domain, (code, name) in PUBLISHERS.items():
        org = {"code": code, "name": name, "kind": "ministry", "roles": ["publisher"], "domains": [domain]}
        call(run.api, "POST", "/v1/orgs", org)
        run.console.print(f"  publisher  {code}  {name}  ({domain})")
    for portal in run.portals:
        org = {"code": portal.org_code, "name": portal.org_name, "kind": portal.kind, "roles": ["subscriber"]}
        call(run.api, "POST", "/v1/orgs", org)
        for feed in portal.feeds:
            for unit in portal.provinces or ("*",):
                grant = {
                    "org": portal.org_code, "feed": feed, "admin_unit": unit, "purpose": portal.purpose,
                    "legal_basis": portal.legal_basis, "expires_at": expires,
                }  # fmt: skip
                call(run.api, "POST", "/v1/grants", grant)
        run.console.print(f"  subscriber {portal.org_code}  {portal.org_name}  grants {list(portal.feeds)}")


def register_connectors(run: Run, dsns: dict[str, str]) -> None:
    run.console.rule("[bold]3. Contracts, connectors, receivers, subscriptions")
    for ministry in ministry_db.ministries():
        config = {
            "name": ministry.database.replace("_", "-"),
            "kind": "postgres_cdc",
            "dsn": dsns[ministry.database],
            "snapshot_mode": "initial",
            "feeds": [table.feed_config() for table in ministry.tables],
        }
        call(run.api, "PUT", f"/v1/connectors/{config['name']}", config)
        run.console.print(
            f"  connector  [cyan]{config['name']}[/cyan]  postgres_cdc  "
            + ", ".join(table.name for table in ministry.tables)
        )


def start_receivers(run: Run) -> None:
    ports = pick_ports(*(18801 + i for i in range(len(run.portals))))
    run.portals = [replace(p, port=port) for p, port in zip(run.portals, ports, strict=True)]
    for portal in run.portals:
        secret = generate_secret()
        run.secrets[portal.slug] = secret
        run.group.start(
            f"receiver-{portal.slug}",
            "receiver",
            "--secret",
            secret,
            "--port",
            str(portal.port),
            module="devtools",
        )
    for portal in run.portals:
        wait_http(f"http://127.0.0.1:{portal.port}/stats", run.group)


def subscription_spec(run: Run, portal: Portal) -> dict[str, Any]:
    return {
        "id": portal.slug,
        "owner": portal.org_code,
        "endpoint_url": f"http://127.0.0.1:{portal.port}/hook",
        "feeds": list(portal.feeds),
        "filter": {"admin_units": list(portal.provinces)},
        "delivery": {"mode": "single", "ordering": "key", "max_in_flight": 8, "timeout_s": 5},
        "retry": {"schedule_s": DEMO_RETRY_SCHEDULE_S, "short_attempts": 2},
        "secret": run.secrets[portal.slug],
    }


def subscribe(run: Run) -> None:
    for portal in run.portals:
        call(run.api, "PUT", f"/v1/subscriptions/{portal.slug}", subscription_spec(run, portal))
        where = ", ".join(portal.provinces) or "nationwide"
        run.console.print(f"  subscription [cyan]{portal.slug}[/cyan]  {list(portal.feeds)}  units: {where}")


def wait_for_snapshots(run: Run, bootstrap: str, seeded: int) -> None:
    """Stream only once every connector has its slot and has published its initial snapshot.

    A change committed before a connector's replication slot exists is, by design, seen only
    as part of the snapshot (the row's state), so the demo's one-event-per-change ledger
    would not hold for it.
    """
    started = time.monotonic()
    while (on_kafka := count_feed_records(bootstrap)) < seeded:
        run.group.check_alive()
        if time.monotonic() - started > DEADLINE_S:
            raise HubError(f"initial snapshots incomplete: {on_kafka} of {seeded} rows on Kafka")
        time.sleep(0.5)
    run.console.print(f"  initial snapshots published: {on_kafka} rows in {time.monotonic() - started:.1f}s")


def stream(run: Run, changes: ChangeGenerator, progress: Progress) -> None:
    run.console.rule("[bold]4. Live: changes committed in the ministries, pushed to the portals")
    for portal in run.portals:
        if portal.fail_for_s:
            control = {"mode": "fail", "for_s": portal.fail_for_s}
            httpx.post(f"http://127.0.0.1:{portal.port}/control", json=control, timeout=5)
            run.console.print(
                f"  [yellow]{portal.slug} will answer 500 for {portal.fail_for_s:.0f}s[/yellow]"
            )
    with progress.live():
        for n in range(STREAM_CHANGES):
            changes.step()
            if n % 10 == 0:
                run.group.check_alive()
                progress.refresh(changes.ledger.total())
            time.sleep(1 / STREAM_RATE_PER_S)
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            run.group.check_alive()
            if progress.refresh(changes.ledger.total()):
                break
            time.sleep(0.5)


def backfill(run: Run, events: list[Any]) -> bool:
    """Tuyên Quang's second system subscribes with ``start: backfill`` (``devtools.demo.backfill``)."""
    run.console.rule("[bold]5. Backfill: a new Tuyên Quang system receives the current state of its records")
    tuyen_quang = next(p for p in run.portals if p.slug == "tuyen-quang")
    portal = replace(demo_backfill.backfill_portal(tuyen_quang), port=pick_ports(18890)[0])
    run.secrets[portal.slug] = secret = generate_secret()
    port = str(portal.port)
    run.group.start(
        f"receiver-{portal.slug}", "receiver", "--secret", secret, "--port", port, module="devtools"
    )
    wait_http(f"http://127.0.0.1:{portal.port}/stats", run.group)
    call(
        run.api,
        "PUT",
        f"/v1/subscriptions/{portal.slug}",
        {**subscription_spec(run, portal), "start": "backfill"},
    )
    job = demo_backfill.wait_for_job(run.api, portal.slug, run.console)
    result = demo_backfill.verdict(demo_backfill.latest_state(portal, events), received_ids(portal))
    demo_backfill.report(run.console, portal, job, result)
    return result.ok and job["state"] == "done"


def received_ids(portal: Portal) -> list[str]:
    deliveries = httpx.get(f"http://127.0.0.1:{portal.port}/received?limit=1000000", timeout=30).json()
    return [event["id"] for delivery in deliveries for event in delivery["events"]]


def main_flow(settings: Settings, console: Console) -> bool:
    workdir, dsns, endpoints = prepare(settings, console)
    api_port = pick_ports(18600)[0]
    env = environment(settings, endpoints, workdir, api_port)
    token = bootstrap_admin(env["HUB_DATABASE_URL"])
    env["HUB_API_TOKEN"] = token
    group = ProcessGroup(env=env, log_dir=workdir / "logs")
    headers = {"Authorization": f"Bearer {token}"}
    api = httpx.Client(base_url=env["HUB_API_URL"], headers=headers, timeout=30)
    run = Run(settings, console, workdir, group, api, list(PORTALS), {})
    try:
        group.start("api", "api")
        wait_http(f"{env['HUB_API_URL']}/healthz", group)
        register_organisations(run)
        changes = ChangeGenerator(dsns, ministry_db.ministries())
        changes.seed(ROWS_PER_FEED)
        register_connectors(run, dsns)
        start_receivers(run)
        subscribe(run)
        group.start("connect", "connect")
        group.start("run", "run")
        wait_for_snapshots(run, endpoints.kafka_bootstrap, changes.ledger.total())
        progress = Progress(console, run.portals, endpoints.kafka_bootstrap)
        stream(run, changes, progress)
        events = read_feed_events(endpoints.kafka_bootstrap)
        got = {p.slug: received_ids(p) for p in run.portals}
        ok, table = summary_table(run.portals, events, got, changes.ledger)
        backfilled = backfill(run, events)
        console.rule("[bold]6. Summary")
        console.print(table)
        console.print(kinds_table(run.portals, events, got))
        show_trace(run, events)
        passed = ok and backfilled
        verdict(console, passed)
        console_link.offer(console, env["HUB_API_URL"], token)
        return passed
    finally:
        api.close()
        group.stop_all()
        stack.stop(demo_broker_settings(settings))
        stack.stop(settings, only=tuple(s for s in endpoints.started if s == "postgres"))


def show_trace(run: Run, events: list[Any]) -> None:
    """The richest record to follow: one that moved between provinces, else a pre-merger code."""
    by_record: dict[tuple[str, str], list[Any]] = {}
    for event in events:
        by_record.setdefault((event.type, event.subject), []).append(event)

    def interest(item: tuple[tuple[str, str], list[Any]]) -> tuple[bool, bool, int]:
        (event_type, _key), history = item
        moved = any(e.adminunitprev for e in history)
        legacy = any(e.adminunitorig for e in history) and "judicial" not in event_type
        return moved, legacy, len(history)

    (event_type, key), _history = max(by_record.items(), key=interest)
    run.console.rule(f"[bold]Trace of record {key} ({event_type})")
    run.console.print(run.group.run("trace", "--record", event_type, key), end="")
