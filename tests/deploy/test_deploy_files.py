"""The deployment files and examples stay valid against the code they configure.

No container engine runs here, so the compose and Kubernetes files are checked for what the
code can know: they parse, every process they start is a real ``hub`` command, Kubernetes
selectors match their pods, and the example configurations parse into the real models.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import connectors.kinds  # noqa: F401 - registers the built-in connector kinds
from connectors.registry import parse_config
from hub.cli.main import app
from hub.subscriptions.model import SubscriptionSpec

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def hub_commands() -> set[str]:
    names = {c.name for c in app.registered_commands if c.name}
    names |= {g.name for g in app.registered_groups if g.name}
    return names


def test_compose_runs_only_real_hub_commands() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    hub_services = {n: s for n, s in compose["services"].items() if "build" in s}
    assert set(hub_services) == {"api", "connect", "delivery"}
    for name, service in hub_services.items():
        assert service["command"][0] in hub_commands(), name


def k8s_documents() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def test_kubernetes_deployments_select_their_pods_and_run_hub_commands() -> None:
    deployments = [d for d in k8s_documents() if d["kind"] == "Deployment"]
    assert {d["metadata"]["name"] for d in deployments} == {"hub-api", "hub-connect", "hub-delivery"}
    for d in deployments:
        spec = d["spec"]
        assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
        for container in spec["template"]["spec"]["containers"]:
            assert container["args"][0] in hub_commands()


def expand(text: str) -> str:
    return re.sub(r"\$\{[A-Z_]+\}", "example-secret", text)


@pytest.mark.parametrize("name", ["connector-civil-status.yaml", "connector-land-polling.yaml"])
def test_connector_examples_parse(name: str) -> None:
    config = parse_config(yaml.safe_load(expand((DEPLOY / "examples" / name).read_text())))
    assert config.feeds


def test_subscription_example_parses() -> None:
    document = yaml.safe_load((DEPLOY / "examples" / "subscription-tuyen-quang.yaml").read_text())
    spec = SubscriptionSpec.model_validate(document)
    assert spec.filter.admin_units == ["08"]
