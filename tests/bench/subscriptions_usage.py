"""What another process costs: CPU time over wall time, and resident memory, read from ``/proc``.

The subscriptions benchmark runs ``hub run`` in its own process so that its CPU and memory are
its own; Linux's ``/proc/<pid>/stat`` (user + system ticks, every thread) and
``/proc/<pid>/status`` (``VmRSS`` now, ``VmHWM`` the peak so far) say what it used.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from pathlib import Path

TICKS_PER_S = os.sysconf("SC_CLK_TCK")
UTIME_AT = 11  # in /proc/<pid>/stat after the command name (field 3, the state, is at 0)
STIME_AT = 12


@dataclass(frozen=True)
class Usage:
    cpu_share: float  # CPU time over wall time: 1.0 = one core busy all along
    rss_mb: float  # at the end
    peak_rss_mb: float  # the most resident the process ever was


def cpu_s(pid: int) -> float:
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[UTIME_AT]) + int(fields[STIME_AT])) / TICKS_PER_S


def memory_mb(pid: int, field: str) -> float:
    """``VmRSS`` or ``VmHWM`` (kB in the file) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"{field} is not in /proc/{pid}/status")


async def measure(pid: int, seconds: float) -> Usage:
    """The process's CPU share over the next ``seconds``, and its memory at their end."""
    cpu_before, started = cpu_s(pid), time.monotonic()
    await asyncio.sleep(seconds)
    share = (cpu_s(pid) - cpu_before) / (time.monotonic() - started)
    return Usage(share, memory_mb(pid, "VmRSS"), memory_mb(pid, "VmHWM"))


__all__ = ["Usage", "cpu_s", "measure", "memory_mb"]
