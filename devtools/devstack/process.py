"""Pid files, free ports and stale-process detection shared by the local services.

A service is "running" only if its pid file names a live process whose command line still
looks like that service; anything else is a stale pid file from an earlier run, removed on sight.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class ServiceState:
    """What we persist about a started service, so ``status`` and ``stop`` can find it later."""

    pid: int
    port: int
    marker: str  # a substring of the process command line identifying the service

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))

    @classmethod
    def load(cls, path: Path) -> ServiceState | None:
        try:
            return cls(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            return None


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(state: ServiceState) -> bool:
    """True if the recorded process still runs and is still the service we started."""
    return state.marker in cmdline(state.pid)


def child_exited(pid: int) -> bool:
    """Whether a process *we* spawned has exited (and reap it if so).

    Right after ``posix_spawn`` the child's ``/proc/<pid>/cmdline`` can read empty for a few
    milliseconds while exec completes, so a freshly started service must be watched through
    ``waitpid``, not through its command line.
    """
    try:
        done, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return not Path(f"/proc/{pid}").exists()
    return done == pid


def live_state(path: Path) -> ServiceState | None:
    """The recorded state if its process is alive; removes a stale record."""
    state = ServiceState.load(path)
    if state is None:
        return None
    if alive(state):
        return state
    path.unlink(missing_ok=True)
    return None


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def pick_port(preferred: int | None = None) -> int:
    """The preferred port if free, else one the kernel hands out."""
    if preferred and port_free(preferred):
        return preferred
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pick_ports(*preferred: int) -> list[int]:
    """Distinct ports: the preferred ones if all are free, else fresh ones held open together
    while choosing, so the kernel cannot hand the same port out twice."""
    if all(port_free(p) for p in preferred):
        return list(preferred)
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in preferred]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def spawn(argv: list[str], log: Path, env: dict[str, str]) -> int:
    """Start a detached daemon (own session, output appended to ``log``) and return its pid.

    ``posix_spawn`` rather than ``subprocess.Popen``: the service outlives this process, and a
    Popen object would warn about a child still running when it is garbage-collected.
    """
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, str(log), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    return os.posix_spawn(argv[0], argv, env, file_actions=actions, setsid=True)


def terminate(pid: int, timeout_s: float = 30.0) -> None:
    """SIGTERM, wait for a clean exit, SIGKILL if it does not come."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not cmdline(pid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
