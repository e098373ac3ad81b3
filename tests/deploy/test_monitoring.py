"""Alert rules and the dashboard: valid for their tools, and about metrics the code exports.

``promtool check rules`` and ``promtool test rules`` (deploy/monitoring/alerts.test.yml) check
the rules; every metric a rule or panel reads is one the hub exports (``hub.telemetry.metrics``
and the store's families) or one of the few named exporters below; and the metrics table in
docs/deploy.md lists exactly what the hub exports.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml
from prometheus_client.core import Metric

from hub.observability.store_metrics import connector_families, subscription_states
from hub.telemetry.metrics import REGISTRY
from tests.deploy import tools

MONITORING = tools.DEPLOY / "monitoring"
# Metrics the rules read from something other than the hub, and who exports them.
EXTERNAL = {
    "up": "Prometheus itself",
    "pg_replication_slot_slot_current_wal_lsn": "postgres_exporter (replication_slot collector)",
    "pg_replication_slot_slot_confirmed_flush_lsn": "postgres_exporter (replication_slot collector)",
}
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "info": ("_info",)}
PROMQL_WORDS = {
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "le",
    "bool",
}


def families() -> list[Metric]:
    return [*REGISTRY.collect(), *connector_families([]), subscription_states([])]


def exported() -> set[str]:
    """Every series name the hub exposes (what PromQL can select)."""
    names: set[str] = set()
    for family in families():
        names |= {family.name + s for s in SUFFIXES.get(family.type, ("",))}
    return {n for n in names if n.startswith("hub_")}


def metric_names(expr: str) -> set[str]:
    without_strings = re.sub(r'"[^"]*"', "", expr)
    without_labels = re.sub(r"\{[^}]*\}", "", without_strings)
    without_ranges = re.sub(r"\[[^\]]*\]", "", without_labels)
    without_groupings = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", without_ranges)
    words = set(re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b(?!\s*\()", without_groupings))
    return {w for w in words if w not in PROMQL_WORDS and not w.isupper()}


def rule_exprs() -> list[str]:
    groups = yaml.safe_load((MONITORING / "alerts.yml").read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((MONITORING / "grafana" / "dashboards" / "hub.json").read_text())
    return loaded


def panel_exprs() -> list[str]:
    return [t["expr"] for p in dashboard()["panels"] for t in p.get("targets", [])]


def test_rules_pass_promtool_check() -> None:
    out = tools.run([tools.binary("promtool"), "check", "rules", str(MONITORING / "alerts.yml")])
    assert "SUCCESS" in out


def test_each_alert_fires_on_its_series_in_promtool_tests() -> None:
    out = tools.run([tools.binary("promtool"), "test", "rules", "alerts.test.yml"], cwd=MONITORING)
    assert "SUCCESS" in out


def test_metric_name_extraction_reads_selectors_not_functions_or_labels() -> None:
    expr = 'max by (connector) (rate(hub_connector_events_total{result="published"}[5m])) > up'
    assert metric_names(expr) == {"hub_connector_events_total", "up"}


def test_every_metric_the_rules_and_dashboard_read_is_exported() -> None:
    used = set().union(*map(metric_names, [*rule_exprs(), *panel_exprs()]))
    unknown = used - exported() - set(EXTERNAL)
    assert not unknown, f"not exported by the hub: {sorted(unknown)}"
    # and the dashboard covers the hub's families, not a handful of them
    assert {n for n in exported() if not n.endswith(("_sum", "_count"))} - used <= {"hub_build_info"}


def test_dashboard_panels_have_unique_ids_and_the_provisioned_datasource() -> None:
    panels = dashboard()["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    datasource = yaml.safe_load((MONITORING / "grafana/provisioning/datasources/prometheus.yaml").read_text())
    uid = datasource["datasources"][0]["uid"]
    assert {p["datasource"]["uid"] for p in panels if "datasource" in p} == {uid}


def documented_name(family: Metric) -> str:
    """The name a reader greps for: counters with ``_total``, infos with ``_info``, others bare."""
    if family.type in ("counter", "info"):
        return family.name + SUFFIXES[family.type][0]
    return family.name


def test_the_metrics_table_in_the_deploy_guide_lists_every_exported_family() -> None:
    guide = (tools.ROOT / "docs" / "deploy.md").read_text()
    documented = set(re.findall(r"^\| `(hub_[a-z_]+)`", guide, flags=re.M))
    names = {documented_name(f) for f in families() if f.name.startswith("hub_")}
    assert documented == names
