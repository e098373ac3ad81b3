"""The example configurations in deploy/examples parse into the real models.

The compose file, the Helm chart and the monitoring files have their own tests beside this one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import connectors.kinds  # noqa: F401 - registers the built-in connector kinds
from connectors.registry import parse_config
from hub.subscriptions.model import SubscriptionSpec

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


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
