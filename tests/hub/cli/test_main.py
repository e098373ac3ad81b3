"""The root command: ``hub --version``."""

from __future__ import annotations

from importlib.metadata import version

from typer.testing import CliRunner

from hub.cli.main import app


def test_version_prints_the_installed_package_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"hub {version('gov-data-hub')}\n"
