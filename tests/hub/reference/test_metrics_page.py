from __future__ import annotations

from hub.observability.store_metrics import connector_families, subscription_states
from hub.reference import metrics_page
from hub.telemetry.metrics import REGISTRY


def test_every_hub_family_is_listed_once_under_its_selected_name() -> None:
    page = metrics_page.render()
    families = [*REGISTRY.collect(), *connector_families([]), subscription_states([])]
    for family in (f for f in families if f.name.startswith("hub_")):
        assert page.count(f"| `{metrics_page.selected_name(family)}` |") == 1


def test_label_names_come_from_the_definitions() -> None:
    page = metrics_page.render()
    assert "| `hub_delivery_attempts_total` | counter | subscription, outcome |" in page
    assert "| `hub_build_info` | info | version |" in page
    assert "| `hub_delivery_log_dropped_total` | counter |  |" in page
    assert "| `hub_connector_state` | gauge | connector, state |" in page
