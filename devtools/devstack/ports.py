"""The ports a local service keeps for life, and who holds a port it needs.

Clients remember the address they were given (``HUB_KAFKA_BOOTSTRAP``, a running ``hub run``),
so a service that came back on another port would leave them dialling the old one. The first
start records its ports next to the service's data; every later start reuses them, and when one
is taken it refuses, naming the port and the process holding it, instead of silently moving.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from devtools.devstack.process import cmdline, pick_ports, port_free
from schemas.errors import LocalPortTaken

LISTEN = "0A"  # the TCP state column of /proc/net/tcp for a listening socket


def load(record: Path) -> list[int] | None:
    try:
        ports = json.loads(record.read_text())["ports"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(ports, list) or not all(isinstance(p, int) and 0 < p < 65536 for p in ports):
        return None
    return ports


def claim(record: Path, service: str, *preferred: int) -> list[int]:
    """The service's recorded ports, checked free; on a first start, ``preferred`` (or fresh ones
    when those are busy), recorded for next time."""
    ports = load(record)
    if ports is None or len(ports) != len(preferred):
        ports = pick_ports(*preferred)
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps({"ports": ports}))
        return ports
    for port in ports:
        if not port_free(port):
            raise LocalPortTaken(
                f"{service} keeps port {port} across restarts (recorded in {record}), but it is taken "
                f"by {holder(port)}. Stop that process, or delete {record} to let {service} choose "
                "new ports (every client must then be given the new address)."
            )
    return ports


def holder(port: int) -> str:
    """Who listens on ``port``: 'pid N (command line)', or why that cannot be told."""
    inodes = _listening_inodes(port)
    if not inodes:
        return "a socket not listening (in TIME_WAIT, or held by another network namespace)"
    for pid in _pids():
        if _holds_any(pid, inodes):
            return f"pid {pid} ({cmdline(pid).strip()[:120] or '?'})"
    return "a process this user cannot see (try as root: ss -ltnp)"


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == LISTEN:
                inodes.add(fields[9])
    return inodes


def _pids() -> list[int]:
    return sorted(int(name) for name in os.listdir("/proc") if name.isdigit())


def _holds_any(pid: int, inodes: set[str]) -> bool:
    wanted = {f"socket:[{inode}]" for inode in inodes}
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") in wanted:
                return True
        except OSError:
            continue
    return False


__all__ = ["claim", "holder", "load"]
