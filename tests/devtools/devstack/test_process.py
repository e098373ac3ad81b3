"""Stale-process detection and port choice of the local stack (no servers needed)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from devtools.devstack import kafka
from devtools.devstack.process import ServiceState, live_state, pick_port, pick_ports
from schemas.errors import LocalServiceError


def test_busy_preferred_port_is_replaced_by_a_free_one() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        chosen = pick_port(taken)
        assert chosen != taken
        assert chosen > 0
        pair = pick_ports(taken, taken + 1)
        assert taken not in pair
        assert len(set(pair)) == 2


def test_state_of_a_dead_process_is_stale_and_removed(tmp_path: Path) -> None:
    record = tmp_path / "state.json"
    ServiceState(pid=999_999_999, port=1, marker="kafka.Kafka").save(record)
    assert live_state(record) is None
    assert not record.exists()


def test_a_reused_pid_running_something_else_is_not_our_service(tmp_path: Path) -> None:
    import os

    record = tmp_path / "state.json"
    ServiceState(pid=os.getpid(), port=1, marker="kafka.Kafka").save(record)
    assert live_state(record) is None


def test_missing_java_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(LocalServiceError, match="Java is not installed"):
        kafka.java()


def test_a_spawned_child_is_watched_through_waitpid(tmp_path: Path) -> None:
    import sys
    import time

    from devtools.devstack.process import child_exited, spawn

    pid = spawn([sys.executable, "-c", "import time; time.sleep(0.3)"], tmp_path / "out.log", {})
    assert not child_exited(pid)  # even while exec is still settling
    deadline = time.monotonic() + 10
    while not child_exited(pid):
        assert time.monotonic() < deadline
        time.sleep(0.05)
