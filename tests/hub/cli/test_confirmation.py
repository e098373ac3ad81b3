"""``--yes``: destructive commands ask on a terminal and refuse clearly without one."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from hub.cli import confirmation
from hub.cli.confirmation import Yes, confirm
from hub.cli.errors import ExitCode

app = typer.Typer()


@app.command()
def drop(yes: Yes = False) -> None:
    confirm("drop it?", yes=yes)
    typer.echo("dropped")


def test_without_a_terminal_it_is_a_usage_error_naming_yes() -> None:
    result = CliRunner().invoke(app, [])
    assert result.exit_code == ExitCode.USAGE
    assert "--yes" in result.stderr and "no terminal" in result.stderr and "dropped" not in result.stdout


def test_yes_goes_ahead_without_asking() -> None:
    result = CliRunner().invoke(app, ["--yes"])
    assert result.exit_code == 0 and result.stdout == "dropped\n"


@pytest.mark.parametrize(("answer", "code", "dropped"), [("y\n", 0, True), ("n\n", ExitCode.FAILED, False)])
def test_on_a_terminal_it_asks(
    monkeypatch: pytest.MonkeyPatch, answer: str, code: int, dropped: bool
) -> None:
    monkeypatch.setattr(confirmation, "stdin_is_terminal", lambda: True)
    result = CliRunner().invoke(app, [], input=answer)
    assert "drop it?" in result.stdout
    assert result.exit_code == code and ("dropped" in result.stdout) is dropped
