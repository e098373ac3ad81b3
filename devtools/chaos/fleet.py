"""The hub processes under test, as an operator runs them, with the faults done to them.

Built on the demo's ``ProcessGroup`` (one process per part, logs in files); the fleet also
remembers how each was started, so a SIGKILLed process can be started again the same way, and
counts the restarts it made: any other exit is a process that did not recover by itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field

from devtools.demo.processes import ProcessGroup

EXIT_POLL_S = 0.05
StopTime = tuple[float | None, int | None]  # seconds to exit, exit code (None, None: did not exit)


@dataclass
class Fleet:
    group: ProcessGroup
    commands: dict[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)
    restarts: Counter[str] = field(default_factory=Counter)

    def start(self, name: str, *args: str, module: str = "hub.cli") -> None:
        self.commands[name] = (args, module)
        self.group.start(name, *args, module=module)

    def pid(self, name: str) -> int:
        return self.group.processes[name].pid

    def kill(self, name: str) -> None:
        """SIGKILL: no clean-up of any kind, as a crash or the OOM killer would."""
        proc = self.group.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def restart(self, name: str) -> None:
        args, module = self.commands[name]
        self.group.start(name, *args, module=module)
        self.restarts[name] += 1

    def exited(self) -> dict[str, int]:
        """Processes that are no longer running, with their exit codes."""
        return {
            name: code for name, proc in self.group.processes.items() if (code := proc.poll()) is not None
        }

    def terminate_timed(self, names: list[str], timeout_s: float) -> dict[str, StopTime]:
        """SIGTERM the named processes at once; each one's seconds to exit and exit code (None,
        None for one still running after ``timeout_s``, which is then SIGKILLed)."""
        procs = {name: self.group.processes[name] for name in names}
        sent = time.monotonic()
        for proc in procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGTERM)
        took: dict[str, StopTime] = {}
        while len(took) < len(procs) and time.monotonic() - sent < timeout_s:
            for name, proc in procs.items():
                if name not in took and proc.poll() is not None:
                    took[name] = (time.monotonic() - sent, proc.returncode)
            time.sleep(EXIT_POLL_S)
        for name, proc in procs.items():
            if name not in took:
                took[name] = (None, None)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=5)
            self.group.processes.pop(name, None)
        return took


__all__ = ["Fleet", "StopTime"]
