"""CPU time spent by each party of a capture trial, over the trial's window.

The parties: the side's own processes (our task processes, or the Kafka Connect JVM running
Debezium), the PostgreSQL server, the Kafka broker, and the whole machine. They all share the
same cores, so a side's rows/s is bounded by what the others leave it: the split shows where
the cores went while each side ran.

A process's CPU is its user + system time; a server's also counts the processes it started,
live ones and those it already reaped (``children_*``): PostgreSQL forks a backend per
connection and a walsender per slot, which come and go within a trial. The servers are found
by the local port they listen on; a server elsewhere (not on this host) is left out. On a
shared machine the servers' numbers include whatever other clients asked of them meanwhile;
the machine's busy time says how much room there was at all.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import psutil

SIDE = "side"
POSTGRES = "PostgreSQL"
KAFKA = "Kafka broker"
MACHINE = "whole machine"
PARTIES = (SIDE, POSTGRES, KAFKA, MACHINE)
WALL = "wall"  # the window's own length (seconds of wall time), beside the parties' CPU seconds


def listening_pid(port: int) -> int | None:
    """The local process listening on TCP ``port``, if any (None when it is not on this host)."""
    with contextlib.suppress(psutil.AccessDenied):
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
                return conn.pid
    return None


def process_seconds(pid: int, *, with_children: bool = False) -> float:
    """User + system CPU seconds of ``pid`` (and, with children, of every descendant, live or
    reaped); 0 for a process that is gone."""
    try:
        process = psutil.Process(pid)
        own = process.cpu_times()
        total = own.user + own.system
        if with_children:
            total += own.children_user + own.children_system
            for child in process.children(recursive=True):
                with contextlib.suppress(psutil.NoSuchProcess):
                    times = child.cpu_times()
                    total += times.user + times.system
    except psutil.NoSuchProcess:
        return 0.0
    return total


def machine_seconds() -> float:
    """CPU seconds the whole machine spent busy (every core, not idle nor waiting on I/O)."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


@dataclass(frozen=True)
class CpuMeter:
    """Reads each party's cumulative CPU seconds (and the wall clock, ``WALL``); ``used(before)``
    is the window since ``before``."""

    side_pids: Callable[[], Iterable[int]]
    postgres_pid: int | None
    kafka_pid: int | None

    def read(self) -> dict[str, float]:
        found = {
            SIDE: sum(process_seconds(pid) for pid in self.side_pids()),
            MACHINE: machine_seconds(),
            WALL: time.monotonic(),
        }
        for party, pid in ((POSTGRES, self.postgres_pid), (KAFKA, self.kafka_pid)):
            if pid is not None:
                found[party] = process_seconds(pid, with_children=True)
        return found

    def used(self, before: Mapping[str, float]) -> dict[str, float]:
        now = self.read()
        return {party: now[party] - before[party] for party in now if party in before}


def per_row_us(seconds: Mapping[str, float], rows: int) -> dict[str, float]:
    """Each party's CPU per row, in microseconds."""
    return {party: used * 1e6 / rows for party, used in seconds.items() if party != WALL}


def cores(seconds: Mapping[str, float]) -> dict[str, float]:
    """Each party's CPU seconds over the window's own wall time: the cores it kept busy."""
    return {party: used / seconds[WALL] for party, used in seconds.items() if party != WALL}


__all__ = [
    "KAFKA",
    "MACHINE",
    "PARTIES",
    "POSTGRES",
    "SIDE",
    "WALL",
    "CpuMeter",
    "cores",
    "listening_pid",
    "machine_seconds",
    "per_row_us",
    "process_seconds",
]
