"""A local service keeps its ports across restarts and refuses, naming the holder, to move."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from devtools.devstack import ports
from schemas.errors import LocalPortTaken, LocalServiceError


def test_first_start_records_the_preferred_ports_and_later_starts_reuse_them(tmp_path: Path) -> None:
    record = tmp_path / "ports.json"
    wanted = _free_pair()
    first = ports.claim(record, "Kafka", *wanted)
    assert first == wanted
    assert ports.load(record) == wanted
    assert ports.claim(record, "Kafka", 1, 2) == wanted  # the record wins over the preference


def test_a_taken_recorded_port_is_refused_naming_the_port_and_its_holder(tmp_path: Path) -> None:
    record = tmp_path / "ports.json"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        record.write_text(f'{{"ports": [{taken}]}}')
        with pytest.raises(LocalPortTaken) as caught:
            ports.claim(record, "PostgreSQL", 15432)
    message = caught.value.message
    assert f"port {taken}" in message
    assert f"pid {os.getpid()}" in message
    assert str(record) in message
    assert caught.value.code == "local_port_taken"
    assert isinstance(caught.value, LocalServiceError)
    assert ports.load(record) == [taken]  # never silently moved


def test_holder_names_the_listening_process() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert ports.holder(busy.getsockname()[1]).startswith(f"pid {os.getpid()} (")


def test_a_port_nobody_listens_on_has_no_holder() -> None:
    free = _free_pair()[0]
    assert "not listening" in ports.holder(free)


@pytest.mark.parametrize("content", ["", "{}", '{"ports": "x"}', '{"ports": [0]}', '{"ports": [70000]}'])
def test_an_unreadable_record_is_replaced_by_fresh_ports(tmp_path: Path, content: str) -> None:
    record = tmp_path / "ports.json"
    record.write_text(content)
    wanted = _free_pair()
    assert ports.claim(record, "Kafka", *wanted) == wanted
    assert ports.load(record) == wanted


def _free_pair() -> list[int]:
    """Two ports free right now (the kernel's choice, released at once)."""
    sockets = [socket.socket() for _ in range(2)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
