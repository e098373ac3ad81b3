"""The chaos run: changes flow source -> ``hub connect`` -> Kafka -> ``hub run`` -> portals
while faults are done to every part, then an independent verdict.

1. a private broker and PostgreSQL (``private_stack``), a source table, the hub's processes
   (``hub api``, ``hub connect``, ``hub run``) and two reference receivers: one portal
   subscribed in single mode, one in batch mode, both with per-key ordering;
2. the source driver commits ``changes`` changes while the faults run one after the other:
   SIGKILL of ``hub connect`` and of ``hub run`` (each started again), both portals answering
   500 then 429, the broker stopped and started again on the same port;
3. once the driver is done, wait until the portals hold everything (or ``drain_timeout_s``);
   verdict per portal (``verdict``) and whether the processes recovered by themselves (none
   exited but those the suite killed);
4. the stop with the broker down: broker stopped, then SIGTERM to every hub process at once,
   each one's time to exit measured.

Scaled out (``ChaosPlan.scaled_out``): the broker is a KRaft cluster of ``brokers`` nodes, several
``hub run`` and ``hub connect`` processes share the work through a PostgreSQL control-plane store,
and the fault ``kill-one-of-each`` SIGKILLs one broker node, one ``hub run`` and the ``hub connect``
holding the connector's lease at once, then starts them again.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import URL

from devtools.chaos import source
from devtools.chaos.fleet import Fleet, StopTime
from devtools.chaos.private_stack import PrivateStack, private_settings
from devtools.chaos.verdict import Change, PortalVerdict, Push, judge
from devtools.demo import ministry_db
from devtools.demo.processes import ProcessGroup, wait_http
from devtools.devstack.process import pick_ports
from hub.settings import Settings
from hub.subscriptions.secrets import generate_secret
from schemas.errors import HubError, LocalServiceError

FAULTS = ("kill-connect", "kill-run", "portal-500", "portal-429", "broker-restart")
SCALE_OUT_FAULT = "kill-one-of-each"
PORTALS = {"portal-single": "single", "portal-batch": "batch"}
PORTAL_OWNER = "000.00.00.G22"
RETRY_SCHEDULE_S = [0, 1, 2, 4, 8, 15, 30, 30, 30, 30, 60, 60, 60, 60, 60]  # ~7.5 min: outlasts every fault
STOP_WATCH_S = 90.0
STOP_BURST_S = 20.0  # the changes committed around the final stop (not judged)
Say = Callable[[str], None]


@dataclass(frozen=True)
class ChaosPlan:
    changes: int = 8000
    rate_per_s: float = 80.0
    fail_500_s: float = 20.0
    fail_429_s: float = 10.0
    broker_down_s: float = 20.0
    restart_after_s: float = 2.0  # a SIGKILLed process is started again after this
    gap_s: float = 4.0  # between two faults
    drain_timeout_s: float = 420.0
    faults: tuple[str, ...] = FAULTS
    database: str = "chaos_land"  # the source database (recreated), also naming the connector
    brokers: int = 1  # Kafka nodes in one KRaft cluster
    runs: int = 1  # `hub run` processes
    connects: int = 1  # `hub connect` processes

    @classmethod
    def scaled_out(cls, **overrides: Any) -> ChaosPlan:
        """3 brokers, 3 `hub run`, 2 `hub connect`, and one fault: one of each SIGKILLed at once."""
        defaults: dict[str, Any] = {"brokers": 3, "runs": 3, "connects": 2, "faults": (SCALE_OUT_FAULT,)}
        return cls(**{**defaults, **overrides})

    def __post_init__(self) -> None:
        if SCALE_OUT_FAULT in self.faults and min(self.brokers, self.runs, self.connects) < 2:
            raise LocalServiceError(
                f"the fault {SCALE_OUT_FAULT} needs at least 2 brokers, 2 `hub run` and 2 `hub connect` "
                f"(the survivors carry the work); the plan has {self.brokers}, {self.runs}, {self.connects}"
            )

    @property
    def connector(self) -> str:
        return self.database.replace("_", "-")

    @property
    def run_names(self) -> list[str]:
        return _names("hub-run", self.runs)

    @property
    def connect_names(self) -> list[str]:
        return _names("hub-connect", self.connects)

    @property
    def hub_processes(self) -> list[str]:
        return ["hub-api", *self.connect_names, *self.run_names]


def _names(first: str, count: int) -> list[str]:
    """``hub-run``, ``hub-run-2``, ...: the first keeps the single-process name the faults use."""
    return [first, *(f"{first}-{n}" for n in range(2, count + 1))]


@dataclass
class ChaosResult:
    verdicts: list[PortalVerdict]
    recovered: bool
    exits: dict[str, int]  # processes that exited without being killed by the suite
    restarts: dict[str, int]
    stop_times: dict[str, StopTime]
    timeline: list[tuple[float, str]]
    committed: int
    drained_in_s: float | None
    plan: ChaosPlan = field(default_factory=ChaosPlan)
    complete_after_kill_s: float | None = None  # from the scale-out SIGKILLs until all delivered

    @property
    def passed(self) -> bool:
        stopped_fast = all(took is not None and took <= 5.0 for took, _ in self.stop_times.values())
        return self.recovered and stopped_fast and all(v.passed for v in self.verdicts)


@dataclass
class _Run:
    plan: ChaosPlan
    stack: PrivateStack
    fleet: Fleet
    api: httpx.Client
    say: Say
    ports: dict[str, int] = field(default_factory=dict)
    timeline: list[tuple[float, str]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    killed_at: float | None = None
    complete_at: float | None = None
    log_dir: Path = Path(".")

    def note(self, what: str) -> None:
        at = time.monotonic() - self.started
        self.timeline.append((at, what))
        self.say(f"  {at:6.1f}s  {what}")


def run(
    settings: Settings, plan: ChaosPlan, say: Say, *, keep: bool = False, postgres_dsn: str | None = None
) -> ChaosResult:
    """The whole run in ``settings.state_dir / "chaos"``; ``postgres_dsn`` puts the source in
    that server instead of the suite's own PostgreSQL (the broker is always the suite's own)."""
    workdir = settings.state_dir / "chaos"
    stack = PrivateStack.fresh(private_settings(settings, workdir / "stack"), postgres_dsn, plan.brokers)
    say(f"private stack: kafka {stack.bootstrap}  postgres {stack.dsn}")
    group = ProcessGroup(env={}, log_dir=workdir / "logs")
    shutil.rmtree(group.log_dir, ignore_errors=True)
    try:
        api_port, *portal_ports = pick_ports(18650, 18651, 18652)
        group.env = _environment(settings, stack, workdir, api_port, _store_url(plan, stack))
        with httpx.Client(base_url=f"http://127.0.0.1:{api_port}", timeout=30) as api:
            chaos = _Run(plan, stack, Fleet(group), api, say, dict(zip(PORTALS, portal_ports, strict=True)))
            chaos.log_dir = workdir / "logs"
            return _play(chaos)
    finally:
        group.stop_all()
        stack.stop_broker()
        if not keep:
            stack.stop()


def _store_url(plan: ChaosPlan, stack: PrivateStack) -> str | None:
    """A fresh PostgreSQL control-plane store when several processes of a kind share the work
    (as in production); None: the single processes keep the SQLite file."""
    if plan.runs == 1 and plan.connects == 1:
        return None
    dsn = ministry_db.create(stack.dsn, ministry_db.MinistryDb(f"{plan.database}_store", "store", ()))
    parts = psycopg.conninfo.conninfo_to_dict(dsn)
    url = URL.create(
        "postgresql+psycopg", username=_str(parts.get("user")), password=_str(parts.get("password")),
        host=_str(parts.get("host")), port=int(str(parts.get("port") or 5432)),
        database=_str(parts.get("dbname")),
    )  # fmt: skip
    return url.render_as_string(hide_password=False)


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _environment(
    settings: Settings, stack: PrivateStack, workdir: Path, api_port: int, store_url: str | None
) -> dict[str, str]:
    (workdir / "hub.sqlite").unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        HUB_KAFKA_BOOTSTRAP=stack.bootstrap,
        HUB_POSTGRES_DSN=stack.dsn,
        HUB_DATABASE_URL=store_url or f"sqlite:///{workdir / 'hub.sqlite'}",
        HUB_STATE_DIR=str(workdir),
        HUB_AUTH_ENABLED="false",  # access control is not what this suite tests
        HUB_API_PORT=str(api_port),
        HUB_ENDPOINT_ALLOWLIST="127.0.0.1",
    )
    if settings.secret_key is not None:
        env["HUB_SECRET_KEY"] = settings.secret_key.get_secret_value()
    return env


def _play(chaos: _Run) -> ChaosResult:
    table = _prepare(chaos)
    plan = chaos.plan
    source_dsn = psycopg.conninfo.make_conninfo(chaos.stack.dsn, dbname=plan.database)
    driver = source.ChangeDriver(source_dsn, table, plan.changes, plan.rate_per_s)
    driver.start()
    chaos.note(f"source: committing {chaos.plan.changes} changes at up to {chaos.plan.rate_per_s:g}/s")
    for fault in chaos.plan.faults:
        time.sleep(chaos.plan.gap_s)
        FAULT_ACTIONS[fault](chaos)
    while not driver.join(1.0):
        _check_source(driver)
    _check_source(driver)
    committed = driver.committed()
    chaos.note(f"source: {len(committed)} changes committed")
    drained = _wait_drained(chaos, len(set(committed)))
    verdicts = [_verdict(chaos, portal, mode, committed) for portal, mode in PORTALS.items()]
    exits = chaos.fleet.exited()
    restarts = dict(chaos.fleet.restarts)
    stop_times = _stop_with_broker_down(chaos, driver)
    after_kill = None
    if chaos.killed_at is not None and chaos.complete_at is not None:
        after_kill = chaos.complete_at - chaos.killed_at
    return ChaosResult(
        verdicts, not exits, exits, restarts, stop_times, chaos.timeline, len(committed), drained,
        plan, after_kill,
    )  # fmt: skip


def _prepare(chaos: _Run) -> Any:
    ministry = ministry_db.MinistryDb(chaos.plan.database, "land", (source.parcel_table(),))
    dsn = ministry_db.create(chaos.stack.dsn, ministry)
    fleet = chaos.fleet
    fleet.start("hub-api", "api")
    wait_http(str(chaos.api.base_url.join("/healthz")), fleet.group)
    connector = chaos.plan.connector
    _call(chaos.api, "PUT", f"/v1/connectors/{connector}", {
        "name": connector, "kind": "postgres_cdc", "dsn": dsn, "snapshot_mode": "initial",
        "feeds": [ministry.tables[0].feed_config()],
    })  # fmt: skip
    owner = {"code": PORTAL_OWNER, "name": "Chaos portals", "kind": "portal", "roles": ["subscriber"]}
    _call(chaos.api, "POST", "/v1/orgs", owner)  # a subscription's owner must exist
    for portal, mode in PORTALS.items():
        _subscribe(chaos, portal, mode)
    plan = chaos.plan
    for name in plan.connect_names:
        fleet.start(name, "connect", "--lease-s", "6")
    for name in plan.run_names:
        fleet.start(name, "run")
    _wait_streaming(chaos)
    chaos.note(
        f"processes up: hub api, {plan.connects} hub connect, {plan.runs} hub run, 2 receivers, "
        f"{plan.brokers} broker(s); connector streaming"
    )
    return ministry.tables[0]


def _subscribe(chaos: _Run, portal: str, mode: str) -> None:
    secret, port = generate_secret(), chaos.ports[portal]
    chaos.fleet.start(portal, "receiver", "--secret", secret, "--port", str(port), module="devtools")
    wait_http(f"http://127.0.0.1:{port}/stats", chaos.fleet.group)
    _call(chaos.api, "PUT", f"/v1/subscriptions/{portal}", {
        "id": portal, "owner": PORTAL_OWNER, "endpoint_url": f"http://127.0.0.1:{port}/hook",
        "feeds": [source.FEED], "secret": secret,
        "delivery": {"mode": mode, "ordering": "key", "max_in_flight": 8, "timeout_s": 5,
                     "batch_max_events": 50, "batch_max_wait_ms": 200},
        "retry": {"schedule_s": RETRY_SCHEDULE_S, "short_attempts": 2},
    })  # fmt: skip


def _wait_streaming(chaos: _Run, timeout_s: float = 120.0) -> None:
    """Changes committed before the replication slot exists arrive only as the snapshot's last
    state of a row, so the driver starts once the connector streams."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        chaos.fleet.group.check_alive()
        status = _call(chaos.api, "GET", f"/v1/connectors/{chaos.plan.connector}/status")
        if status.get("state") == "running" and status.get("phase") == "streaming":
            return
        time.sleep(0.5)
    raise LocalServiceError(f"connector {chaos.plan.connector} was not streaming after {timeout_s:.0f}s")


def _call(api: httpx.Client, method: str, path: str, body: Any = None) -> Any:
    response = api.request(method, path, json=body)
    if response.status_code >= 400:
        raise HubError(f"{method} {path} -> {response.status_code}: {response.text[:500]}")
    return response.json() if response.content else None


# ---- faults ---------------------------------------------------------------------------------


def _kill_and_restart(name: str) -> Callable[[_Run], None]:
    def fault(chaos: _Run) -> None:
        chaos.fleet.kill(name)
        chaos.note(f"SIGKILL {name}")
        time.sleep(chaos.plan.restart_after_s)
        chaos.fleet.restart(name)
        chaos.note(f"{name} started again")

    return fault


def _portals_answer(mode: str, status: int, seconds: Callable[[ChaosPlan], float]) -> Callable[[_Run], None]:
    def fault(chaos: _Run) -> None:
        for_s = seconds(chaos.plan)
        control: dict[str, Any] = {"mode": mode, "for_s": for_s}
        if status == 429:
            control["retry_after_s"] = 1
        for port in chaos.ports.values():
            httpx.post(f"http://127.0.0.1:{port}/control", json=control, timeout=5).raise_for_status()
        chaos.note(f"both portals answer {status} for {for_s:g}s")
        time.sleep(for_s)
        chaos.note(f"portals answer 200 again (after {status})")

    return fault


def _broker_restart(chaos: _Run) -> None:
    before = chaos.stack.bootstrap
    chaos.stack.stop_broker()
    chaos.note(f"broker stopped for {chaos.plan.broker_down_s:g}s")
    time.sleep(chaos.plan.broker_down_s)
    after = chaos.stack.start_broker()
    if after != before:
        raise LocalServiceError(f"the broker came back at {after}, not at {before}")
    chaos.note(f"broker started again at {after} (same address)")


def _lease_holder(chaos: _Run) -> str:
    """The ``hub connect`` running the connector now (its worker id ends in its pid)."""
    worker = _call(chaos.api, "GET", f"/v1/connectors/{chaos.plan.connector}/status").get("worker") or ""
    for name in chaos.plan.connect_names:
        if worker.endswith(f"-{chaos.fleet.pid(name)}"):
            return name
    raise LocalServiceError(f"no hub connect of this run holds {chaos.plan.connector} (worker {worker!r})")


def _kill_one_of_each(chaos: _Run) -> None:
    """One broker node, one ``hub run`` and the lease-holding ``hub connect`` crash together;
    the others carry on (a new lease once the old one expires), then the three come back."""
    node, run, connect = chaos.plan.brokers, chaos.plan.run_names[-1], _lease_holder(chaos)
    chaos.killed_at = time.monotonic()
    chaos.stack.kill_node(node)
    chaos.fleet.kill(run)
    chaos.fleet.kill(connect)
    chaos.note(f"SIGKILL broker node {node}, {run}, {connect} (the connector's lease holder)")
    time.sleep(chaos.plan.broker_down_s)
    before = chaos.stack.bootstrap
    if chaos.stack.start_broker() != before:
        raise LocalServiceError(f"the cluster came back at {chaos.stack.bootstrap}, not at {before}")
    chaos.fleet.restart(run)
    chaos.fleet.restart(connect)
    chaos.note(f"broker node {node}, {run} and {connect} started again after {chaos.plan.broker_down_s:g}s")


FAULT_ACTIONS: dict[str, Callable[[_Run], None]] = {
    "kill-connect": _kill_and_restart("hub-connect"),
    "kill-run": _kill_and_restart("hub-run"),
    "portal-500": _portals_answer("fail", 500, lambda plan: plan.fail_500_s),
    "portal-429": _portals_answer("429", 429, lambda plan: plan.fail_429_s),
    "broker-restart": _broker_restart,
    SCALE_OUT_FAULT: _kill_one_of_each,
}


# ---- outcome --------------------------------------------------------------------------------


def _check_source(driver: source.ChangeDriver) -> None:
    if driver.error is not None:
        raise LocalServiceError(f"the source driver failed: {driver.error!r}") from driver.error


def _stats(port: int) -> dict[str, Any]:
    stats: dict[str, Any] = httpx.get(f"http://127.0.0.1:{port}/stats", timeout=30).json()
    return stats


def _received(port: int) -> list[Push]:
    url = f"http://127.0.0.1:{port}/received"
    deliveries = httpx.get(url, params={"limit": 1_000_000}, timeout=60).json()
    return [Push(d["webhook_id"], d["events"]) for d in deliveries]


def _wait_drained(chaos: _Run, expected: int) -> float | None:
    """Seconds from the end of the source until every portal held ``expected`` distinct events
    (duplicates can only make it look sooner; the verdict counts them apart)."""
    started = time.monotonic()
    last_report = 0.0
    while time.monotonic() - started < chaos.plan.drain_timeout_s:
        counts = [_stats(port)["events"] for port in chaos.ports.values()]
        if min(counts) >= expected:
            chaos.complete_at = time.monotonic()
            took = chaos.complete_at - started
            chaos.note(f"portals hold {counts} events ({expected} expected each)")
            return took
        if time.monotonic() - last_report > 15:
            last_report = time.monotonic()
            chaos.note(f"waiting for the portals: {counts} of {expected} events")
        time.sleep(1)
    chaos.note(f"gave up waiting after {chaos.plan.drain_timeout_s:g}s")
    return None


def _verdict(chaos: _Run, portal: str, mode: str, committed: list[Change]) -> PortalVerdict:
    port = chaos.ports[portal]
    received = _received(port)
    _keep_evidence(chaos.log_dir / f"{portal}.received.json", committed, received)
    return judge(
        portal, mode, committed, received, int(_stats(port)["duplicates"]),
        record_field=source.RECORD_FIELD, label_field=source.LABEL_FIELD,
    )  # fmt: skip


def _keep_evidence(path: Path, committed: list[Change], received: list[Push]) -> None:
    """What the verdict was worked out from, beside the processes' logs: a failed run can be
    traced afterwards (which change, which push, which webhook-id) without running it again."""
    pushes = [{"webhook_id": push.webhook_id, "events": list(push.events)} for push in received]
    path.write_text(json.dumps({"committed": committed, "pushes": pushes}))


def _stop_with_broker_down(chaos: _Run, before: source.ChangeDriver) -> dict[str, StopTime]:
    """SIGTERM while work is in flight and the broker is away: changes still being committed
    (so the connector has records waiting for acknowledgements), portals failing (so sinks have
    retries to hand to the retry topic), then the broker stopped."""
    burst = source.ChangeDriver(
        before.dsn, before.table, int(chaos.plan.rate_per_s * STOP_BURST_S), chaos.plan.rate_per_s,
        first_record=before.ledger.next_record, seed=8,
    )  # fmt: skip
    burst.start()
    for port in chaos.ports.values():
        httpx.post(f"http://127.0.0.1:{port}/control", json={"mode": "fail"}, timeout=5).raise_for_status()
    chaos.note("more changes, portals answering 500; the broker stops in 3s")
    time.sleep(3)
    chaos.stack.stop_broker()
    chaos.note("broker stopped; SIGTERM to every hub process in 5s")
    time.sleep(5)
    took = chaos.fleet.terminate_timed(chaos.plan.hub_processes, STOP_WATCH_S)
    burst.join()
    shown = [f"{name} {'-' if t is None else f'{t:.1f}s'}" for name, (t, _code) in took.items()]
    chaos.note("stop times: " + ", ".join(shown))
    return took


__all__ = ["FAULTS", "SCALE_OUT_FAULT", "ChaosPlan", "ChaosResult", "run"]
