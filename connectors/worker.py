"""The worker process (``hub connect``): runs the connectors it holds a lease on.

Several workers share the registered connectors through leases in the control-plane store
(``ControlPlane``, implemented by ``hub.store.connectors``), not through a Kafka consumer group
over a control topic. A lease is a row naming its owner and an expiry; a worker claims free or
expired ones with a conditional UPDATE, so two workers never both win one, and renews its own
every heartbeat. Why leases: the same row fences position commits (a worker that lost the lease
cannot save a position, see ``connectors.positions``), and they need nothing but the database
the control plane already has; a consumer group would rebalance every connector whenever one
worker joins or leaves, and would still need a separate fence for positions.

Sharing: workers heartbeat into the store, and each holds at most its fair share
``ceil(lease units / live workers)``, a lease unit being a connector, or one task of a
key-sharded connector (``tasks: N``, named ``<connector>#<i>``, ADR 017), so two workers split
a connector's tasks as they split connectors; one over its share releases the surplus (stopped cleanly,
positions committed), one under it claims free connectors. A worker that dies (SIGKILL) stops
renewing; its leases expire after ``lease_ttl_s`` and the others take its connectors over,
resuming from the last committed positions.

Every heartbeat the worker also applies what operators asked through the API (new config,
pause, resume, restart, re-snapshot) and reports each task's status.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from connectors import registry
from connectors.config import ConnectorConfigBase
from connectors.contracts import ContractCheck
from connectors.positions import PositionStore
from connectors.record_memory import RecordMemory
from connectors.shards import TaskShard, shard_of
from connectors.status import ErrorInfo, TaskState, TaskStatus
from connectors.task import ConnectorTask, utcnow
from schemas.admin_units import AdminUnitResolver
from schemas.errors import HubError

log = logging.getLogger(__name__)
HEARTBEAT_S = 2.0


@dataclass(frozen=True)
class Assignment:
    """What the control plane wants of one connector, as the store has it now."""

    name: str
    document: dict[str, Any]  # the stored config, secrets included: parse it, never log it
    paused: bool = False
    generation: int = 1  # bumped by every config change
    restart_seq: int = 0  # bumped by every restart command
    snapshot_seq: int = 0  # bumped by every re-snapshot request...
    snapshot_tables: tuple[str, ...] = ()  # ...whose tables stay pending until a worker took them
    status: dict[str, Any] | None = None  # the last reported status (cumulative counters)
    skip_seq: int = 0  # bumped by every skip command...
    skip_after: str | None = None  # ...naming the committed position the held change follows


class ControlPlane(PositionStore, RecordMemory, Protocol):
    """The store as a worker sees it; every method concerns this worker's id."""

    async def heartbeat(self) -> int:
        """Record this worker as alive; return how many workers are (this one included)."""
        ...

    async def connector_count(self) -> int: ...

    async def claim(self, limit: int) -> list[str]:
        """Lease up to ``limit`` connectors that nobody holds (or whose lease expired)."""
        ...

    async def renew(self, names: Collection[str]) -> set[str]:
        """Extend this worker's leases; return the names it still holds (deleted ones are gone)."""
        ...

    async def release(self, names: Collection[str]) -> None: ...

    async def assignments(self, names: Collection[str]) -> dict[str, Assignment]: ...

    async def snapshot_taken(self, name: str, snapshot_seq: int) -> None:
        """The request ``snapshot_seq`` reached a running task: clear its pending tables."""
        ...

    async def report(self, statuses: Mapping[str, dict[str, Any]]) -> None: ...

    async def leave(self) -> None:
        """This worker is shutting down: release its leases and its heartbeat row."""
        ...


@dataclass
class _Running:
    task: ConnectorTask
    applied: Assignment


@dataclass
class Worker:
    control: ControlPlane
    bootstrap: str
    contracts: ContractCheck
    worker_id: str
    heartbeat_s: float = HEARTBEAT_S
    admin_units: AdminUnitResolver | None = None
    admit: Callable[[ConnectorConfigBase], None] | None = None  # the hub's own check; raises to refuse
    running: dict[str, _Running] = field(default_factory=dict)
    broken: dict[str, TaskStatus] = field(default_factory=dict)  # configs that no longer parse or pass

    async def run(self, stop: asyncio.Event) -> None:
        """Heartbeat until ``stop`` is set, then stop every task and let go of the leases."""
        try:
            while not stop.is_set():
                try:
                    await self.tick()
                except HubError as exc:  # the store is away: keep running what we have
                    log.warning("worker %s: heartbeat failed: [%s] %s", self.worker_id, exc.code, exc.message)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.heartbeat_s)
        finally:
            await self.shutdown()

    async def tick(self) -> None:
        workers = await self.control.heartbeat()
        held = await self.control.renew(self._names())
        for name in self._names() - held:
            await self._drop(name, release=False)
        share = math.ceil(await self.control.connector_count() / max(workers, 1))
        await self._rebalance(share)
        wanted = await self.control.assignments(self._names())
        for name in self._names() - wanted.keys():
            await self._drop(name)
        for assignment in wanted.values():
            await self._apply(assignment)
        await self.control.report(self._statuses())

    async def shutdown(self) -> None:
        for name in list(self.running):
            await self._stop(name)
        with contextlib.suppress(HubError):
            await self.control.report(self._statuses())
            await self.control.leave()
        self.running.clear()
        self.broken.clear()

    # -- sharing -------------------------------------------------------------------------------

    def _names(self) -> set[str]:
        return set(self.running) | set(self.broken)

    async def _rebalance(self, share: int) -> None:
        mine = len(self._names())
        if mine > share:
            for name in sorted(self._names())[share:]:
                await self._drop(name)
        elif mine < share:
            claimed = await self.control.claim(share - mine)
            for assignment in (await self.control.assignments(claimed)).values():
                await self._apply(assignment)

    async def _drop(self, name: str, *, release: bool = True) -> None:
        await self._stop(name)
        self.broken.pop(name, None)
        if release:
            await self.control.release([name])

    async def _stop(self, name: str) -> None:
        running = self.running.pop(name, None)
        if running is not None:
            await running.task.stop()
            self.broken.pop(name, None)
            with contextlib.suppress(HubError):
                await self.control.report({name: running.task.status.document()})

    # -- applying the control plane's wishes ----------------------------------------------------

    async def _apply(self, wanted: Assignment) -> None:
        current = self.running.get(wanted.name)
        if current is not None and current.task.done:  # it stopped itself (lease lost)
            await self._drop(wanted.name)
            return
        if current is None or current.applied.generation != wanted.generation:
            await self._stop(wanted.name)
            self._start(wanted)
        else:
            self._command(current, wanted)
            current.applied = wanted
        if wanted.snapshot_tables and wanted.name in self.running:
            await self.control.snapshot_taken(wanted.name, wanted.snapshot_seq)

    def _start(self, wanted: Assignment) -> None:
        status = TaskStatus.counters_from(wanted.status)
        status.worker = self.worker_id
        try:
            config = registry.parse_config(wanted.document)
            shard = _shard(wanted.name, config)
            if self.admit is not None:
                self.admit(config)  # e.g. a host that left the hub's allow-list since it was registered
        except HubError as exc:
            status.state, status.last_error = TaskState.FAILED, ErrorInfo.of(exc, utcnow())
            self.broken[wanted.name] = status
            return
        task = ConnectorTask(
            config,
            bootstrap=self.bootstrap,
            positions=self.control,
            contracts=self.contracts,
            status=status,
            admin_units=self.admin_units,
            records=self.control,
            shard=shard,
        )
        if wanted.snapshot_tables:
            task.restart(wanted.snapshot_tables)
        if wanted.skip_after is not None:  # harmless once the position moved past it
            task.skip(wanted.skip_after)
        task.start(paused=wanted.paused)
        self.running[wanted.name] = _Running(task, wanted)

    def _command(self, current: _Running, wanted: Assignment) -> None:
        applied, task = current.applied, current.task
        if wanted.paused and not applied.paused:
            task.pause()
        elif applied.paused and not wanted.paused:
            task.resume()
        if wanted.skip_seq != applied.skip_seq and wanted.skip_after is not None:
            task.skip(wanted.skip_after)
        if wanted.snapshot_seq != applied.snapshot_seq and wanted.snapshot_tables:
            task.restart(wanted.snapshot_tables)
        elif wanted.restart_seq != applied.restart_seq:
            task.restart()

    def _statuses(self) -> dict[str, dict[str, Any]]:
        statuses = {name: running.task.status for name, running in self.running.items()}
        statuses.update(self.broken)
        for status in statuses.values():
            status.worker = self.worker_id
        return {name: status.document() for name, status in statuses.items()}


def _shard(name: str, config: ConnectorConfigBase) -> TaskShard | None:
    """The share of the keys a lease unit stands for: a task of a sharded connector, or all."""
    try:
        return shard_of(name, config.task_count())
    except ValueError as exc:  # a task of an earlier config, not yet removed by the store
        raise registry.InvalidConnectorConfig(
            f"{name} is not one of the {config.task_count()} tasks of connector {config.name}"
        ) from exc


__all__ = ["HEARTBEAT_S", "Assignment", "ControlPlane", "Worker"]
