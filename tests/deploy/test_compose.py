"""The single-host compose file loads in compose-go, the loader ``docker compose`` runs.

compose-go validates it against the compose-spec schema and resolves interpolation, anchors,
secrets and ``depends_on``; then the tests check what the hub needs of the loaded model: its
secrets required and wired to the store, real ``hub`` commands, migration before the processes,
three brokers, and every file it mounts shipped.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from hub.cli.main import app
from tests.deploy import tools

COMPOSE = tools.DEPLOY / "compose.yaml"
SECRETS = {"HUB_STORE_PASSWORD": "s3cret-hex", "HUB_SECRET_KEY": "fernet-key", "GRAFANA_ADMIN_PASSWORD": "g"}


def env_file(tmp: Path, values: dict[str, str]) -> Path:
    path = tmp / "compose.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    return path


@functools.cache
def loaded() -> dict[str, Any]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = tools.run([tools.binary("hub-composecheck"), str(COMPOSE), str(env_file(Path(tmp), SECRETS))])
    project: dict[str, Any] = json.loads(out)
    return project


def test_the_example_env_file_names_every_secret_the_file_requires() -> None:
    example = (tools.DEPLOY / "compose.env.example").read_text()
    assert {
        line.split("=")[0] for line in example.splitlines() if "=" in line and not line.startswith("#")
    } == set(SECRETS)


@pytest.mark.parametrize("missing", ["HUB_STORE_PASSWORD", "HUB_SECRET_KEY"])
def test_a_missing_secret_is_refused_by_name(tmp_path: Path, missing: str) -> None:
    values = {k: v for k, v in SECRETS.items() if k != missing}
    out = tools.run_failing([tools.binary("hub-composecheck"), str(COMPOSE), str(env_file(tmp_path, values))])
    assert f"required variable {missing} is missing a value" in out


def test_the_store_and_the_hub_share_one_password() -> None:
    services = loaded()["services"]
    assert services["store"]["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/store_password"
    assert loaded()["secrets"]["store_password"]["environment"] == "HUB_STORE_PASSWORD"
    for name in ("migrate", "api", "connect", "delivery"):
        url = services[name]["environment"]["HUB_DATABASE_URL"]
        assert url == f"postgresql+psycopg://hub:{SECRETS['HUB_STORE_PASSWORD']}@store/hub", name


def test_hub_processes_run_real_commands_after_the_migration() -> None:
    commands = {c.name for c in app.registered_commands if c.name}
    services = loaded()["services"]
    hub = {n: s for n, s in services.items() if s.get("image", "").startswith("gov-data-hub")}
    assert set(hub) == {"migrate", "api", "connect", "delivery"}
    for name, service in hub.items():
        assert service["command"][0] in commands, name
        if name != "migrate":
            assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_three_brokers_with_replication_three() -> None:
    services = loaded()["services"]
    brokers = sorted(n for n in services if n.startswith("kafka-"))
    assert brokers == ["kafka-1", "kafka-2", "kafka-3"]
    assert {services[b]["environment"]["KAFKA_DEFAULT_REPLICATION_FACTOR"] for b in brokers} == {"3"}
    assert len({services[b]["environment"]["KAFKA_NODE_ID"] for b in brokers}) == 3


def test_monitoring_and_tracing_are_wired() -> None:
    services = loaded()["services"]
    assert {"prometheus", "grafana", "jaeger"} <= set(services)
    assert services["api"]["environment"]["HUB_OTLP_ENDPOINT"] == "http://jaeger:4318"
    assert services["delivery"]["command"] == ["run", "--metrics-port", "9464"]


def test_every_mounted_file_is_shipped() -> None:
    sources = [
        v["source"]
        for s in loaded()["services"].values()
        for v in s.get("volumes", [])
        if v["type"] == "bind"
    ]
    assert sources and all(Path(s).exists() for s in sources), sources
