"""``hub migrate``: what the Helm chart's migration Job and compose's one-shot service run."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from hub.cli.main import app


def test_migrate_brings_an_empty_store_to_every_head_and_is_idempotent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    monkeypatch.setenv("HUB_DATABASE_URL", url)
    for _ in range(2):  # a second run, as every process start does, changes nothing
        result = CliRunner().invoke(app, ["migrate"])
        assert result.exit_code == 0, result.output
        assert "store up to date" in result.output
    engine = sa.create_engine(url)
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"alembic_version", "subscriptions", "connectors"} <= tables
