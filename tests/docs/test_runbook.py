"""Every alert rule shipped under deploy/ has its section in the runbook, with what it means, what
to look at and what to do; and a rule's ``runbook_url``, where one is given, points at it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tests.docs.doc_commands import ROOT, problems

RUNBOOK = ROOT / "docs" / "guide" / "runbook.md"


def rule_files() -> list[Path]:
    """Prometheus rule files under deploy/ (Helm templates are not YAML until rendered)."""
    files = [p for p in sorted((ROOT / "deploy").rglob("*.y*ml")) if "templates" not in p.parts]
    return [p for p in files if "groups" in (yaml.safe_load(p.read_text(encoding="utf-8")) or {})]


def alert_rules() -> list[dict[str, Any]]:
    rules = []
    for path in rule_files():
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            rules += [rule for rule in group["rules"] if "alert" in rule]
    return rules


def sections() -> dict[str, str]:
    text = RUNBOOK.read_text(encoding="utf-8")
    parts = re.split(r"^## (\S+)\n", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_alert_rules_are_found_in_the_compose_and_the_helm_files() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in rule_files()}
    assert {"deploy/monitoring/alerts.yml", "deploy/helm/gov-data-hub/files/alerts.yml"} <= names
    assert len({rule["alert"] for rule in alert_rules()}) >= 11


def test_every_alert_has_one_section_and_every_section_an_alert() -> None:
    alerts = {rule["alert"] for rule in alert_rules()}
    assert set(sections()) == alerts


def test_each_section_says_what_it_means_what_to_look_at_and_what_to_do() -> None:
    for alert, body in sections().items():
        for part in ("**Means**", "**Look at**", "**Do**"):
            assert part in body, f"{alert}: no {part}"


def test_a_runbook_url_points_at_the_alerts_section() -> None:
    for rule in alert_rules():
        url = rule.get("annotations", {}).get("runbook_url")
        if url is not None:
            assert url.endswith(f"docs/guide/runbook.md#{rule['alert'].lower()}"), url


def test_every_command_the_runbook_shows_exists() -> None:
    assert not problems(RUNBOOK.read_text(encoding="utf-8"))
