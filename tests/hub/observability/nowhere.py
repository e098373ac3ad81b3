"""Addresses where nothing answers, for probes and look-ups that must fail cleanly."""

from __future__ import annotations

import socket


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def nowhere() -> str:
    """A ``host:port`` Kafka bootstrap address with no broker behind it."""
    return f"127.0.0.1:{closed_port()}"
