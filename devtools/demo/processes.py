"""The demo runs the hub as an operator would: each part is its own ``hub`` process.

Every process gets the same environment (the stack's addresses, a private store, the API
token once there is one), writes its output to a log file under the demo's state folder, and
is stopped (SIGTERM, then SIGKILL) when the demo ends, whatever happened.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from schemas.errors import LocalServiceError


@dataclass
class ProcessGroup:
    """The hub processes of one demo run."""

    env: dict[str, str]
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, *args: str, module: str = "hub.cli") -> None:
        """Start ``hub <args>`` (or ``python -m <module> <args>``) in the background, logging to a file."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / f"{name}.log", "ab") as log:
            self.processes[name] = subprocess.Popen(  # noqa: S603 - our own console script
                [sys.executable, "-m", module, *args],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                start_new_session=True,
            )

    def run(self, *args: str) -> str:
        """A one-shot ``hub`` command; its output, or a clear error naming the command."""
        proc = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "hub.cli", *args],
            capture_output=True,
            text=True,
            env=self.env,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if proc.returncode != 0:
            raise LocalServiceError(f"'hub {' '.join(args)}' failed: {(proc.stdout + proc.stderr).strip()}")
        return proc.stdout

    def check_alive(self) -> None:
        for name, proc in self.processes.items():
            if proc.poll() is not None:
                raise LocalServiceError(
                    f"'{name}' exited with {proc.returncode}; see {self.log_dir / (name + '.log')}"
                )

    def stop_all(self) -> None:
        for proc in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.processes.clear()


def wait_http(url: str, group: ProcessGroup, timeout_s: float = 60.0) -> None:
    """Wait until ``url`` answers 200, failing fast if a demo process died meanwhile."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        group.check_alive()
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise LocalServiceError(f"{url} did not answer within {timeout_s:.0f}s")
