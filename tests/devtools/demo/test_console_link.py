"""The demo ends with the console's address and a token, and waits only on a terminal."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from devtools.demo import console_link


def test_without_a_terminal_it_prints_the_address_and_token_and_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal: input() would fail if asked
    out = io.StringIO()
    console_link.offer(Console(file=out, width=120), "http://127.0.0.1:18600", "hub_abc_secret")
    text = out.getvalue()
    assert "http://127.0.0.1:18600/console" in text and "hub_abc_secret" in text
    assert "the demo stops now" in text
