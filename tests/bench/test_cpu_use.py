"""The benchmarks' CPU meter: a process's time, a server's with its children, and a window."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from tests.bench import cpu_use
from tests.bench.cpu_use import CpuMeter


def _spin(seconds: float) -> None:
    ends = time.process_time() + seconds
    while time.process_time() < ends:
        pass


def test_a_window_counts_the_side_s_cpu_and_the_machine_s() -> None:
    meter = CpuMeter(lambda: [os.getpid()], postgres_pid=None, kafka_pid=None)
    before = meter.read()
    _spin(0.2)
    used = meter.used(before)
    assert set(used) == {cpu_use.SIDE, cpu_use.MACHINE, cpu_use.WALL}
    assert 0.15 <= used[cpu_use.SIDE] <= used[cpu_use.MACHINE] + 0.05
    assert used[cpu_use.WALL] >= used[cpu_use.SIDE] - 0.05  # one thread: at most one core
    busy = cpu_use.cores(used)
    assert set(busy) == {cpu_use.SIDE, cpu_use.MACHINE}
    assert 0.0 < busy[cpu_use.SIDE] <= 1.05  # under load, less than a core


def test_a_server_s_time_includes_children_it_already_reaped() -> None:
    alone = cpu_use.process_seconds(os.getpid(), with_children=True)
    busy = "import time\nends = time.process_time() + 0.2\nwhile time.process_time() < ends: pass"
    subprocess.run([sys.executable, "-c", busy], check=True)
    assert cpu_use.process_seconds(os.getpid(), with_children=True) - alone >= 0.15


def test_a_process_that_is_gone_counts_nothing() -> None:
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    assert cpu_use.process_seconds(done.pid) == 0.0


def test_per_row_is_in_microseconds() -> None:
    assert cpu_use.per_row_us({cpu_use.SIDE: 0.5}, 5000) == {cpu_use.SIDE: 100.0}
