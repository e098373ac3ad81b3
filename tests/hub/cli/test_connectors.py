"""``hub connectors`` against a real API server, registering a real postgres_cdc source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from hub.cli.connectors import read_configs
from hub.cli.errors import ExitCode
from hub.cli.yaml_files import InvalidResourceFile
from hub.settings import Settings
from tests.connectors import land_parcels
from tests.hub.cli.conftest import Hub

pytestmark = pytest.mark.integration

PASSWORD = "Zq-cli-secret-42"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Authorisation has its own tests; these are about what the connector commands do."""
    return settings.model_copy(update={"auth_enabled": False})


def connector_file(tmp_path: Path, dsn: str) -> Path:
    path = tmp_path / "connector.yaml"
    path.write_text(
        f"""
name: land-db
kind: postgres_cdc
dsn: "{dsn}"
password: "${{LAND_DB_PASSWORD}}"
feeds:
  - table: {land_parcels.TABLE}
    event_type: {land_parcels.EVENT_TYPE}
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def source_dsn(pg_database: str) -> str:
    land_parcels.create(pg_database)
    return pg_database


def test_apply_list_status_and_commands(
    hub: Hub, tmp_path: Path, source_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAND_DB_PASSWORD", PASSWORD)
    file = connector_file(tmp_path, source_dsn)
    first = hub("connectors", "apply", "-f", str(file))
    assert (first.exit_code, first.output.strip()) == (0, "created land-db"), first.output
    assert hub("connectors", "apply", "-f", str(file)).output.strip() == "updated land-db"
    listed = hub("connectors", "list")
    assert "land-db" in listed.output and "unassigned" in listed.output
    status = hub("connectors", "status", "land-db")
    assert status.exit_code == 0 and status.output.startswith("land-db: unassigned")
    for command in ("pause", "resume", "restart"):
        done = hub("connectors", command, "land-db")
        assert done.exit_code == 0 and f"{command} requested" in done.output
    assert hub("connectors", "snapshot", "land-db", "-t", land_parcels.TABLE).exit_code == 0
    not_held = hub("connectors", "skip", "land-db", "--yes")  # nothing runs it, so nothing is held
    assert not_held.exit_code == ExitCode.REFUSED and "nothing_held" in not_held.output
    assert all(PASSWORD not in hub("connectors", *args).output for args in (["list"], ["status", "land-db"]))
    assert hub("connectors", "delete", "land-db", "--yes").exit_code == 0
    assert "connector_not_found" in hub("connectors", "status", "land-db").output


def test_apply_refuses_an_unset_variable_and_an_unreachable_source(
    hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LAND_DB_PASSWORD", raising=False)
    file = connector_file(tmp_path, "postgresql://hub@127.0.0.1:1/land")
    unset = hub("connectors", "apply", "-f", str(file))
    assert unset.exit_code == ExitCode.REFUSED and "LAND_DB_PASSWORD" in unset.output
    monkeypatch.setenv("LAND_DB_PASSWORD", PASSWORD)
    refused = hub("connectors", "apply", "-f", str(file))
    assert refused.exit_code == ExitCode.REFUSED and "source_unreachable" in refused.output
    assert PASSWORD not in refused.output


@pytest.mark.parametrize(
    ("second", "code"),
    [("kind: no-such-kind", "unknown_connector_kind"), ("kind: postgres_cdc", "invalid_connector_config")],
)
def test_a_malformed_later_config_refuses_the_file_before_the_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, second: str, code: str
) -> None:
    monkeypatch.setenv("LAND_DB_PASSWORD", PASSWORD)
    file = connector_file(tmp_path, "postgresql://hub@127.0.0.1:5/land")
    file.write_text(file.read_text() + f"---\nname: second\n{second}\n")
    where = f"document 2 \\(connector 'second'\\): \\[{code}\\]"
    with pytest.raises(InvalidResourceFile, match=where):
        read_configs(file)


def test_show_prints_the_config_masked_and_applying_it_back_keeps_the_password(
    hub: Hub, tmp_path: Path, source_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAND_DB_PASSWORD", PASSWORD)
    assert hub("connectors", "apply", "-f", str(connector_file(tmp_path, source_dsn))).exit_code == 0
    shown = hub("connectors", "show", "land-db")
    assert shown.exit_code == 0, shown.output
    config = yaml.safe_load(shown.output)
    assert (config["name"], config["feeds"][0]["table"]) == ("land-db", land_parcels.TABLE)
    assert PASSWORD not in shown.output and config["password"] == "**********"

    monkeypatch.delenv("LAND_DB_PASSWORD")
    config["batch_size"] = 123
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(config), encoding="utf-8")
    again = hub("connectors", "apply", "-f", str(edited))
    assert (again.exit_code, again.output.strip()) == (0, "updated land-db"), again.output
    as_json = json.loads(hub("connectors", "show", "land-db", "--output", "json").output)
    assert as_json["batch_size"] == 123 and as_json["password"] == "**********"
    assert hub("connectors", "show", "no-such-connector").exit_code == ExitCode.NOT_FOUND
