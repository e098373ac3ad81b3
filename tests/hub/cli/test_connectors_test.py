"""``hub connectors test -f`` on the khai_sinh example: mapped rows and the quarantined one, as a
table and as JSON, with nothing saved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from hub.settings import Settings
from tests.connectors.mapping import khai_sinh_db
from tests.connectors.mapping.khai_sinh import example_document
from tests.hub.cli.conftest import Hub

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth_enabled": False})


@pytest.fixture
def file(tmp_path: Path, pg_database: str) -> Path:
    khai_sinh_db.create(pg_database)
    path = tmp_path / "khai-sinh.yaml"
    path.write_text(
        yaml.safe_dump(example_document() | {"dsn": pg_database, "password": None}), encoding="utf-8"
    )
    return path


def test_the_table_shows_mapped_rows_the_quarantined_one_and_the_dropped_columns(
    hub: Hub, file: Path
) -> None:
    shown = hub("connectors", "test", "-f", str(file), "--limit", "5")
    assert shown.exit_code == 0, shown.output
    assert "00004:01/2026:157" in shown.output and "00004:01/2026:158" in shown.output
    assert 'sex: "female"' in shown.output and "Nguyễn Thu Hà" in shown.output
    assert "quarantined" in shown.output and "mapping_cast_failed" in shown.output
    assert "ghi_chu_noi_bo" in shown.output  # named as not published
    assert hub("connectors", "list").output.count("ho-tich-khai-sinh") == 0


def test_json_output_and_the_limit(hub: Hub, file: Path) -> None:
    shown = hub("connectors", "test", "-f", str(file), "--limit", "2", "--output", "json")
    assert shown.exit_code == 0, shown.output
    [found] = json.loads(shown.output)
    [table] = found["tables"]
    assert [row["key"] for row in table["rows"]] == ["00004:01/2026:157", "00004:01/2026:158"]
    assert table["rows"][0]["payload"]["date_of_birth"] == "2026-11-02"
